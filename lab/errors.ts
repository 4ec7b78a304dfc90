// The two ways a lab command fails, mapped to exit codes by the CLI:
// bad input (2: the user must change a file, a variable or the command line) and
// a failed operation (1: the input was fine, the work did not succeed).

/** One problem with the user's input, located as precisely as we can. */
export interface Problem {
  /** Where: "localrc line 12", "local.conf line 30", "variable Q_PORT", "--localrc". */
  where: string;
  /** What is wrong and what to write instead. */
  message: string;
}

export class InputError extends Error {
  readonly exitCode = 2;
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class OperationError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'OperationError';
  }
}

export function formatProblem(problem: Problem): string {
  return `${problem.where}: ${problem.message}`;
}

/** Collects problems so that one run reports all of them, not just the first. */
export class ProblemList {
  readonly problems: Problem[] = [];
  add(where: string, message: string): void {
    this.problems.push({ where, message });
  }
  throwIfAny(): void {
    if (this.problems.length > 0) throw new InputError(this.problems);
  }
}

// C0 controls but tab and line feed, DEL, and C1 controls: bytes a terminal acts on.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * A user's value as text to print: control characters shown as escapes (`\x1b`, `\r`),
 * so that a value holding one cannot recolour, rewrite or hide what lab says.
 */
export function showControls(text: string): string {
  return text.replace(CONTROLS, (c) => {
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  });
}
