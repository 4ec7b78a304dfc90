// Evaluates a localrc with bash, as DevStack's stack.sh sources it, with DevStack's service
// and plugin helpers defined (scripts/localrc-eval.sh), and reads the variables back.
import { execa } from 'execa';
import fs from 'node:fs';
import tmp from 'tmp';
import { InputError, type Problem } from '../errors.js';
import { packagePath } from '../paths.js';
import type { LocalrcInput } from './source.js';

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
const TIME_LIMIT_MS = 60_000;

export async function evaluateLocalrc(
  input: LocalrcInput,
  tracked: readonly string[],
  env: NodeJS.ProcessEnv,
  defaultServices: string,
): Promise<Evaluated> {
  // Staging only: the script is copied so that a local.conf's [[local|localrc]] can be
  // sourced with its own line numbers; the copy is gone when this returns.
  const staged = tmp.fileSync({ prefix: 'lab-localrc-', postfix: '.sh' });
  try {
    fs.writeFileSync(staged.name, input.script);
    const locate = (text: string) => rewriteBashMessages(text, staged.name, input.scriptDisplay);
    const syntax = await execa('bash', ['-n', staged.name], { reject: false, cwd: input.topDir, env, timeout: TIME_LIMIT_MS });
    if (syntax.exitCode !== 0) {
      const problems = locate(String(syntax.stderr));
      throw new InputError(
        problems.length > 0
          ? problems.map((p) => ({ ...p, message: `bash syntax error: ${p.message}; fix that line (DevStack sources localrc as bash)` }))
          : [{ where: input.scriptDisplay, message: `bash rejects this file: ${String(syntax.stderr).trim()}` }],
      );
    }
    const run = await execa('bash', [EVALUATOR, staged.name, ...tracked], {
      reject: false,
      cwd: input.topDir,
      env: { ...env, LAB_DEFAULT_SERVICES: defaultServices },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: TIME_LIMIT_MS,
    });
    if (run.timedOut) {
      throw new InputError([{ where: input.scriptDisplay, message: `did not finish within ${TIME_LIMIT_MS / 1000} s when sourced with bash; a localrc should only set variables` }]);
    }
    const evaluated = parseRecords(String(run.stdio[3] ?? ''), input.scriptDisplay);
    evaluated.warnings.unshift(...locate(String(run.stderr)));
    return evaluated;
  } finally {
    staged.removeCallback();
  }
}

function parseRecords(output: string, display: string): Evaluated & { ended: boolean } {
  const fields = output.split('\0');
  const result: Evaluated & { ended: boolean } = { values: new Map(), lines: new Map(), plugins: [], warnings: [], ended: false };
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
    throw new InputError([{ where: display, message: 'the localrc stopped bash before its end (an `exit`?); DevStack would stop there too: remove the exit' }]);
  }
  return result;
}

/** Turns bash's "FILE: line N: message" lines into problems that name the user's file and line. */
export function rewriteBashMessages(stderr: string, stagedPath: string, display: string): Problem[] {
  const problems: Problem[] = [];
  for (const raw of stderr.split('\n')) {
    if (raw.trim() === '') continue;
    const match = /^(?:.*?): line (\d+): (.*)$/.exec(raw.startsWith(stagedPath) ? raw : '');
    if (!match) {
      problems.push({ where: display, message: raw.split(stagedPath).join(display) });
      continue;
    }
    const where = `${display} line ${match[1]}`;
    const message = (match[2] ?? '').split(stagedPath).join(display);
    const previous = problems.at(-1);
    if (previous?.where === where) previous.message += `: ${message}`;
    else problems.push({ where, message });
  }
  return problems;
}
