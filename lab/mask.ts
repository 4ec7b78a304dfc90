// Secrets (passwords, PSKs, tokens) are never printed unless the user asks for them.
export const MASK = '********';

export function maskSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret)); // as it appears inside transport_url and connection
  }
  let masked = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) masked = masked.split(form).join(MASK);
  // A password written into a URL by hand (a post-config transport_url or connection).
  return masked.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi, (whole, head: string, secret: string, at: string) => (secret === MASK ? whole : `${head}${MASK}${at}`));
}
