// Control characters in a value lab writes on one line (an ini option, an environment
// variable, a bind mount): a line break there starts another line, so that a password
// could render a second `[database] connection` into neutron.conf. A tab is kept: it is
// a character of the line, and passwords may hold one.

/** C0 controls but the tab, DEL, C1 controls, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

export function hasControl(value: string): boolean {
  return value.search(CONTROL) !== -1;
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** How a control character is shown in a message: never the raw byte, which the terminal would act on. */
export function escapeControl(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** The value with its control characters shown escaped (\n, \r, \e, \u0007). */
export function showControls(value: string): string {
  return value.replace(CONTROL, escapeControl);
}

/** The distinct control characters of a value, escaped: "\n, \r". */
export function listControls(value: string): string {
  return [...new Set(value.match(CONTROL) ?? [])].map(escapeControl).join(', ');
}

// What reaches the terminal: every control character but the line breaks and tabs of lab's
// own messages.
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Text on its way to the terminal, its control characters shown as escapes, so that a value
 * holding one cannot recolour, rewrite or hide what lab says.
 */
export function showTerminalControls(text: string): string {
  return text.replace(TERMINAL_CONTROL, escapeControl);
}
