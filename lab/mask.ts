// Secrets (passwords, PSKs, tokens) are never printed unless the user asks for them.
export const MASK = '********';

/** The forms a secret takes in what lab prints: as it is, in a URL, inside a JSON or escaped string. */
function secretForms(secrets: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret)); // as it appears inside transport_url and connection
    forms.add(JSON.stringify(secret).slice(1, -1)); // text that was JSON (an engine's answer) or escaped for a terminal
  }
  // The longest first: a secret holding another is masked whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * A password written into a URL by hand (a post-config transport_url or connection):
 * scheme://user:PASSWORD@host. The password may hold "@" itself: as Python's urllib reads
 * it, it runs to the last "@" before the host (the authority ends at "/", "?" or "#").
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s]*:)([^\s/?#]+)@/gi;

export function maskSecrets(text: string, secrets: Iterable<string>): string {
  let masked = text;
  for (const form of secretForms(secrets)) masked = masked.split(form).join(MASK);
  return masked.replace(URL_PASSWORD, (whole, head: string, secret: string) =>
    secret === MASK ? whole : `${head}${MASK}@`,
  );
}

/**
 * A copy of a value to print as JSON, every string in it masked. Masking the value, not
 * the JSON text: JSON.stringify escapes a secret's `"`, `\` or tab, and the escaped text
 * no longer holds the secret as it is.
 */
export function maskValue(value: unknown, secrets: Iterable<string>): unknown {
  const forms = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskSecrets(v, forms);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value);
}

/** The value as indented JSON, its secrets masked. */
export function maskedJson(value: unknown, secrets: Iterable<string>): string {
  return JSON.stringify(maskValue(value, secrets), null, 2);
}

/**
 * The secrets of the lab this run has loaded, for what is printed far from the config:
 * the CLI's error output. Filled by lab/load.ts as soon as the values are known.
 */
const known = new Set<string>();

export function registerSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) if (secret !== '') known.add(secret);
}

/** Text with every secret this run knows masked (and any URL password). */
export function maskKnownSecrets(text: string): string {
  return maskSecrets(text, known);
}
