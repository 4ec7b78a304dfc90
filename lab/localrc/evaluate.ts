// Evaluates a localrc with bash, as DevStack's stack.sh sources it, with DevStack's service
// and plugin helpers defined (scripts/localrc-eval.sh), and reads the variables back.
import { InputError, OperationError, type Problem } from '../errors.js';
import { packagePath } from '../paths.js';
import { runBounded, type BoundedResult } from '../process.js';
import type { LocalrcInput } from './source.js';
import { aliasGroups } from '../config/services.js';

export interface EnablePluginCall {
  line: number;
  args: string[];
}

export interface Evaluated {
  /** Tracked variables that are set once the localrc has run (by it or by the environment). */
  values: Map<string, string>;
  /** The localrc line that last changed each variable it set. */
  lines: Map<string, number>;
  plugins: EnablePluginCall[];
  warnings: Problem[];
}

const EVALUATOR = packagePath('scripts', 'localrc-eval.sh');
/** The name bash gives the localrc in its messages (the evaluator's pipe); shown as the user's file. */
const SCRIPT_NAME = '/dev/fd/4';
const DEFAULT_TIME_LIMIT_S = 60;

export async function evaluateLocalrc(
  input: LocalrcInput,
  tracked: readonly string[],
  env: NodeJS.ProcessEnv,
  defaultServices: string,
  signal?: AbortSignal,
): Promise<Evaluated> {
  const limitS = localrcTimeLimit(env);
  // The script goes in on stdin: nothing of the localrc is written to disk, so a timed-out
  // or interrupted evaluation leaves no copy of it behind.
  const run = (args: string[], runEnv: NodeJS.ProcessEnv, extraOutputs: number) =>
    runBounded('bash', [EVALUATOR, ...args], {
      cwd: input.topDir,
      env: runEnv,
      input: input.script,
      extraOutputs,
      limitMs: limitS * 1000,
      ...(signal ? { signal } : {}),
    });
  const locate = (text: string) => rewriteBashMessages(text, SCRIPT_NAME, input.scriptDisplay);
  const syntax = await run(['--syntax'], env, 0);
  signal?.throwIfAborted();
  requireFinished(syntax, input.scriptDisplay, limitS);
  if (syntax.exitCode !== 0) {
    const stderr = syntax.outputs[1] ?? '';
    const problems = locate(stderr);
    throw new InputError(
      problems.length > 0
        ? problems.map((p) => ({
            ...p,
            message: `bash syntax error: ${p.message}; fix that line (DevStack sources localrc as bash)`,
          }))
        : [{ where: input.scriptDisplay, message: `bash rejects this file: ${stderr.trim()}` }],
    );
  }
  const evaluation = await run(
    [...tracked],
    { ...env, LAB_DEFAULT_SERVICES: defaultServices, LAB_SERVICE_ALIASES: aliasGroups() },
    1,
  );
  signal?.throwIfAborted();
  requireFinished(evaluation, input.scriptDisplay, limitS);
  const evaluated = parseRecords(evaluation.outputs[2] ?? '', input.scriptDisplay);
  evaluated.warnings.unshift(...locate(evaluation.outputs[1] ?? ''));
  return evaluated;
}

/** LAB_LOCALRC_TIMEOUT: the seconds a localrc may take under bash (60 unless set). */
export function localrcTimeLimit(env: NodeJS.ProcessEnv): number {
  const text = env.LAB_LOCALRC_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_TIME_LIMIT_S;
  const seconds = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(seconds > 0)) {
    throw new InputError([
      {
        where: 'environment variable LAB_LOCALRC_TIMEOUT',
        message: `"${text}" is not a number of seconds above 0; write e.g. LAB_LOCALRC_TIMEOUT=${DEFAULT_TIME_LIMIT_S}, or unset it`,
      },
    ]);
  }
  return seconds;
}

function requireFinished(result: BoundedResult, display: string, limitS: number): void {
  if (!result.timedOut && result.signal !== null) {
    throw new InputError([
      {
        where: display,
        message: `bash was killed by ${result.signal} while sourcing the localrc (does it kill its own shell, kill $$?); a localrc should only set variables`,
      },
    ]);
  }
  if (!result.timedOut && result.exitCode === null)
    throw new OperationError(`bash could not be started to evaluate ${display}; is bash installed?`);
  if (!result.timedOut) return;
  // bash itself ended, but something it started in the background still holds its output.
  const what =
    result.exitCode === null ? '' : ': bash got to its end, but a command it started in the background still runs';
  throw new InputError([
    {
      where: display,
      message: `the localrc did not finish within ${limitS} s (LAB_LOCALRC_TIMEOUT)${what}; lab evaluates it with bash like DevStack, and every lab command does so again: remove the command that waits (sleep, read, a server in the background) or raise LAB_LOCALRC_TIMEOUT`,
    },
  ]);
}

function parseRecords(output: string, display: string): Evaluated & { ended: boolean } {
  const fields = output.split('\0');
  const result: Evaluated & { ended: boolean } = {
    values: new Map(),
    lines: new Map(),
    plugins: [],
    warnings: [],
    ended: false,
  };
  let i = 0;
  const next = (): string => fields[i++] ?? '';
  while (i < fields.length) {
    const kind = next();
    if (kind === 'var') {
      const name = next();
      const value = next();
      const line = next();
      result.values.set(name, value);
      if (line !== '') result.lines.set(name, Number(line));
    } else if (kind === 'plugin') {
      const line = Number(next());
      const count = Number(next());
      const args = Array.from({ length: count }, next);
      result.plugins.push({ line, args });
    } else if (kind === 'warn') {
      const line = next();
      result.warnings.push({ where: `${display} line ${line}`, message: next() });
    } else if (kind === 'end') {
      result.ended = true;
    }
  }
  if (!result.ended) {
    throw new InputError([
      {
        where: display,
        message: 'the localrc stopped bash before its end (an `exit`?); DevStack would stop there too: remove the exit',
      },
    ]);
  }
  return result;
}

/** Turns bash's "FILE: line N: message" lines into problems that name the user's file and line. */
export function rewriteBashMessages(stderr: string, scriptName: string, display: string): Problem[] {
  const problems: Problem[] = [];
  for (const raw of stderr.split('\n')) {
    if (raw.trim() === '') continue;
    const match = /^(?:.*?): line (\d+): (.*)$/.exec(raw.startsWith(scriptName) ? raw : '');
    if (!match) {
      problems.push({ where: display, message: raw.split(scriptName).join(display) });
      continue;
    }
    const where = `${display} line ${match[1]}`;
    const message = (match[2] ?? '').split(scriptName).join(display);
    const previous = problems.at(-1);
    if (previous?.where === where) previous.message += `: ${message}`;
    else problems.push({ where, message });
  }
  return problems;
}
