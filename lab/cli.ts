// The `lab` command line: a verb, the global `--localrc PATH` (before or after the verb),
// `--help` everywhere. Exit codes: 0 success, 1 the operation failed, 2 bad input or usage.
import { parseArgs } from 'node:util';
import { checkVerb } from './commands/check.js';
import { configVerb } from './commands/config.js';
import { execVerb } from './commands/exec.js';
import { logsVerb } from './commands/logs.js';
import { openstackVerb } from './commands/openstack.js';
import { restartVerb } from './commands/restart.js';
import { stackVerb } from './commands/stack.js';
import { statusVerb } from './commands/status.js';
import { cleanVerb, unstackVerb } from './commands/teardown.js';
import { vpnVerb } from './commands/vpn.js';
import type { Verb, VerbOption } from './commands/verb.js';
import { closest } from './config/services.js';
import { showTerminalControls } from './config/control.js';
import { InputError, OperationError, UsageError } from './errors.js';
import { maskKnownSecrets } from './mask.js';

/** Every verb of the command line, in the order general help lists them. */
export const VERBS: readonly Verb[] = [
  configVerb,
  stackVerb,
  restartVerb,
  logsVerb,
  execVerb,
  openstackVerb,
  vpnVerb,
  checkVerb,
  statusVerb,
  unstackVerb,
  cleanVerb,
];

const GLOBAL_OPTIONS: Record<string, VerbOption> = {
  localrc: {
    type: 'string',
    valueName: 'PATH',
    description:
      'a DevStack localrc or local.conf (default: ./local.conf or ./localrc, else the embedded localrc.example)',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  // The one place where errors and warnings reach the terminal: secrets the lab knows are
  // masked (first, while they are still as written), and a user's value holding a control
  // character (an escape sequence, a carriage return) is shown, never acted on.
  const shown: Io = { out: io.out, err: (text) => io.err(showTerminalControls(maskKnownSecrets(text))) };
  try {
    return await dispatch(argv, shown);
  } catch (error) {
    return report(error, shown);
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const verbName = findVerb(argv);
  if (verbName === undefined) {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(generalHelp());
      return 0;
    }
    throw new UsageError('no verb given', generalHelp());
  }
  const verb = VERBS.find((v) => v.name === verbName);
  if (!verb) {
    const suggestion = closest(
      verbName,
      VERBS.map((v) => v.name),
    );
    throw new UsageError(
      `unknown verb "${verbName}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
      generalHelp(),
    );
  }
  const rest = [...argv];
  rest.splice(rest.indexOf(verbName), 1);
  // `lab exec SVC CMD...`: options end at SVC; the command keeps its own options.
  let passedOn: string[] = [];
  if (verb.passThrough) {
    const first = firstPositional(rest);
    if (first !== undefined) passedOn = rest.splice(first + 1);
  }
  const options = { ...GLOBAL_OPTIONS, ...verb.options };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: toParseArgs(options), strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[\w+\]: /, ''), verbHelp(verb));
  }
  if (parsed.values.help === true) {
    io.out(verbHelp(verb));
    return 0;
  }
  if (parsed.positionals.length > 0 && !verb.positionals) {
    throw new UsageError(`lab ${verb.name} takes no arguments, got "${parsed.positionals.join(' ')}"`, verbHelp(verb));
  }
  const localrc = typeof parsed.values.localrc === 'string' ? parsed.values.localrc : undefined;
  return verb.run({ values: parsed.values, positionals: [...parsed.positionals, ...passedOn], localrc, ...io });
}

/** Index of the first word that is not an option (nor the value of a string option). */
function firstPositional(args: string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--localrc' || arg === '--lab') i++;
    else if (!arg.startsWith('-')) return i;
  }
  return undefined;
}

/** The first word that is neither an option nor the value of --localrc. */
function findVerb(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return argv[i + 1];
    if (arg === '--localrc') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function toParseArgs(options: Record<string, VerbOption>) {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
}

function optionLines(options: Record<string, VerbOption>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(24)} ${o.description}`;
  });
}

export function generalHelp(): string {
  return [
    'lab: a DevStack-like lab for Neutron VPNaaS driver development',
    '',
    'Usage: lab [--localrc PATH] <verb> [options]',
    '',
    'Verbs:',
    ...VERBS.map((v) => `  ${v.name.padEnd(10)} ${v.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    "Run `lab <verb> --help` for a verb's options.",
  ].join('\n');
}

function verbHelp(verb: Verb): string {
  return [
    `Usage: ${verb.usage}`,
    '',
    verb.summary,
    '',
    ...verb.details,
    '',
    'Options:',
    ...optionLines({ ...verb.options, ...GLOBAL_OPTIONS }),
  ].join('\n');
}

function report(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`lab: ${error.message}`);
    if (error.usage) io.err(`\n${error.usage}`);
    return error.exitCode;
  }
  if (error instanceof InputError) {
    for (const problem of error.problems) io.err(`lab: error: ${problem.where}: ${problem.message}`);
    io.err('lab: nothing was started or written; fix the input above and run again');
    return error.exitCode;
  }
  if (error instanceof OperationError) {
    io.err(`lab: failed: ${error.message}`);
    return error.exitCode;
  }
  io.err(`lab: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}
