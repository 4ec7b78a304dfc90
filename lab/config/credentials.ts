// What the services can take in the user names, passwords and the PSK, beyond the control
// characters every variable refuses (control.ts). Every printable ASCII character works in
// each (the start scripts in compose/ and render.ts write them encoded); these limits are
// the services' own, each measured:
// - PyMySQL (Neutron's MySQL driver) sends the password as Latin-1, while MariaDB keeps the
//   UTF-8 the lab set it with: a non-ASCII DATABASE_PASSWORD is refused at every connection.
// - MariaDB's user names are utf8mb3, at most 128 characters.
// - Neutron keeps a connection's PSK in a utf8mb3 VARCHAR(255): a longer PSK, or one with a
//   character beyond U+FFFF (an emoji), fails the create with a 500.
// RabbitMQ takes any character in RABBIT_USERID and RABBIT_PASSWORD.

/** Characters beyond U+FFFF, four bytes in UTF-8: MariaDB's utf8 (utf8mb3) cannot store them. */
function beyondBmp(value: string): string[] {
  return [...new Set([...value].filter((c) => (c.codePointAt(0) ?? 0) > 0xffff))];
}

const length = (value: string): number => [...value].length;

/** Why the value cannot work for the variable, or undefined. A secret's value is never shown. */
export function credentialProblem(name: string, value: string): string | undefined {
  if (name === 'DATABASE_PASSWORD' && /[^\x20-\x7e\t]/.test(value)) {
    return "DATABASE_PASSWORD holds a character outside ASCII; its value is not shown (a secret): Neutron's MySQL driver (PyMySQL) sends the password as Latin-1, MariaDB keeps it as UTF-8, so neutron-server would be refused. Write it in ASCII (any printable character, spaces and quotes included), or leave DATABASE_PASSWORD unset and lab generates one";
  }
  if (name === 'DATABASE_USER') {
    const wide = beyondBmp(value);
    if (wide.length > 0)
      return `DATABASE_USER="${value}" holds ${wide.join(' ')}, beyond U+FFFF: MariaDB's user names are utf8mb3 and cannot hold it; write it without, e.g. DATABASE_USER=root`;
    if (length(value) > 128)
      return `DATABASE_USER is ${length(value)} characters long: MariaDB takes user names of at most 128; write a shorter one, e.g. DATABASE_USER=root`;
  }
  if (name === 'STRONGSWAN_PSK') {
    const why =
      beyondBmp(value).length > 0
        ? 'holds a character beyond U+FFFF (an emoji, say)'
        : length(value) > 255
          ? `is ${length(value)} characters long`
          : undefined;
    if (why) {
      return `STRONGSWAN_PSK ${why}; its value is not shown (a secret): Neutron keeps a connection's PSK in a utf8mb3 column of 255 characters, so \`lab vpn demo\` would fail with a 500. Write at most 255 characters below U+10000, or leave STRONGSWAN_PSK unset and lab generates one`;
    }
  }
  return undefined;
}
