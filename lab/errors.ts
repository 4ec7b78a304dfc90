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
  constructor(
    message: string,
    readonly usage?: string,
  ) {
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
