// Where a setting came from, so `lab config` can say it and say which source won.

export type Origin =
  | { kind: 'default'; note?: string }
  | { kind: 'localrc'; file: string; line: number }
  | { kind: 'environment' }
  | { kind: 'generated'; file: string }
  | { kind: 'post-config'; file: string; line: number; header: string }
  | { kind: 'lab'; note: string };

export function formatOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'default':
      return origin.note ? `default (${origin.note})` : 'default';
    case 'localrc':
      return `${origin.file} line ${origin.line}`;
    case 'environment':
      return 'the environment (exported, not set in localrc)';
    case 'generated':
      return `generated once for this lab, kept in ${origin.file}`;
    case 'post-config':
      return `${origin.file} line ${origin.line} [[post-config|${origin.header}]]`;
    case 'lab':
      return `lab (${origin.note})`;
  }
}

/** True when the user chose the value (localrc, environment or post-config), not a default. */
export function isExplicit(origin: Origin): boolean {
  return origin.kind === 'localrc' || origin.kind === 'environment' || origin.kind === 'post-config';
}

/** Where a problem with a variable is: its localrc line, the environment, or the variable itself. */
export function placeOf(origin: Origin | undefined, name: string): string {
  if (origin?.kind === 'localrc') return `${origin.file} line ${origin.line}`;
  return origin?.kind === 'environment' ? `environment variable ${name}` : `variable ${name}`;
}
