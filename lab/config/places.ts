// The places lab writes to on the host, checked before anything is written or started:
// LAB_DIR (see labdir.ts), SCREEN_LOGDIR and LOGFILE. lab only ever replaces what it wrote
// itself there: its own symlinks (screen-<svc>.log, LOGFILE) pointing at its own
// timestamped files; a file of the user's by one of those names is refused, not replaced.
import fs from 'node:fs';
import path from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { displayPath } from '../paths.js';
import { isDirectory, isLink } from '../pathkind.js';
import { existingAncestor, isWritableDirectory, labDirProblems } from './labdir.js';
import { placeOf } from './origin.js';
import type { LabConfig } from './resolve.js';

type Places = Pick<LabConfig, 'labDir' | 'labName' | 'topDir' | 'screenLogDir' | 'logFile' | 'settings'>;

export function placeProblems(config: Places): Problem[] {
  const where = (name: string) => placeOf(config.settings[name]?.origin, name);
  return [
    ...labDirProblems(config.labDir, config.labName, config.topDir, where('LAB_DIR')),
    ...screenLogDirProblems(config.screenLogDir, where('SCREEN_LOGDIR')),
    ...(config.logFile ? logFileProblems(config.logFile, where('LOGFILE')) : []),
  ];
}

/** Exit 2, nothing written, when a place is not lab's to write. */
export function requirePlaces(config: Places): void {
  const problems = placeProblems(config);
  if (problems.length > 0) throw new InputError(problems);
}

/** The timestamped files lab writes beside a link: NAME.<%F-%H%M%S>[.log]. */
const STAMP = '\\d{4}-\\d{2}-\\d{2}-\\d{6}';

function screenLogDirProblems(dir: string, where: string): Problem[] {
  const shown = displayPath(dir);
  const problem = (message: string): Problem[] => [{ where, message: `SCREEN_LOGDIR=${shown} ${message}` }];
  if (!fs.existsSync(dir)) {
    if (isLink(dir))
      return problem('is a broken symlink; write the directory the screen logs go to, e.g. SCREEN_LOGDIR=./logs');
    const parent = existingAncestor(dir);
    if (!isWritableDirectory(parent))
      return problem(
        `cannot be made: ${displayPath(parent)} is ${isDirectory(parent) ? 'not writable' : 'not a directory'}; write a directory lab can make, e.g. SCREEN_LOGDIR=./logs`,
      );
    return [];
  }
  if (!isDirectory(dir))
    return problem('is not a directory; write the directory the screen logs go to, e.g. SCREEN_LOGDIR=./logs');
  if (!isWritableDirectory(dir))
    return problem('is not writable; write a directory you can write to, e.g. SCREEN_LOGDIR=./logs');
  const foreign = fs
    .readdirSync(dir)
    .filter(
      (name) =>
        /^screen-.+\.log$/.test(name) &&
        !new RegExp(`\\.${STAMP}\\.log$`).test(name) &&
        !isLabLink(path.join(dir, name)),
    );
  if (foreign.length > 0) {
    return problem(
      `holds ${foreign.join(', ')}, not lab's: lab keeps a symlink by that name to the newest screen log, and will not replace your file; move it away or write another SCREEN_LOGDIR`,
    );
  }
  return [];
}

function logFileProblems(file: string, where: string): Problem[] {
  const shown = displayPath(file);
  const fix = `write a new path, e.g. LOGFILE=${displayPath(path.join(path.dirname(file), 'lab-stack.log'))} (lab writes LOGFILE.<timestamp> and makes LOGFILE a link to the newest)`;
  const problem = (message: string): Problem[] => [{ where, message: `LOGFILE=${shown} ${message}; ${fix}` }];
  if (isLink(file)) return isLabLink(file) ? [] : problem('is a symlink lab did not make');
  if (fs.existsSync(file))
    return problem(
      isDirectory(file) ? 'is a directory' : 'is a file lab did not write: lab would replace it with a link to its log',
    );
  const parent = existingAncestor(path.dirname(file));
  if (!isWritableDirectory(parent))
    return problem(
      `cannot be made: ${displayPath(parent)} is ${isDirectory(parent) ? 'not writable' : 'not a directory'}`,
    );
  return [];
}

/** A symlink as lab makes them: to NAME.<timestamp>[.log] in the same directory. */
function isLabLink(link: string): boolean {
  try {
    const target = fs.readlinkSync(link);
    const name = path.basename(link);
    // screen-<svc>.log -> screen-<svc>.<stamp>.log; LOGFILE -> LOGFILE.<stamp>
    const screen = new RegExp(`^${escapeRegExp(name.replace(/\.log$/, ''))}\\.${STAMP}\\.log$`);
    const run = new RegExp(`^${escapeRegExp(name)}\\.${STAMP}$`);
    return !target.includes('/') && (screen.test(target) || run.test(target));
  } catch {
    return false;
  }
}

/**
 * The write test `lab stack` makes before it starts anything: access() says yes to root on
 * a read-only file system, so a file is made and removed.
 */
export function requireWritableLogDir(config: Places): void {
  const where = placeOf(config.settings.SCREEN_LOGDIR?.origin, 'SCREEN_LOGDIR');
  const probe = path.join(config.screenLogDir, `.lab-write-test-${process.pid}`);
  try {
    fs.mkdirSync(config.screenLogDir, { recursive: true });
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    throw new InputError([
      {
        where,
        message: `SCREEN_LOGDIR=${displayPath(config.screenLogDir)} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); write a directory lab can write, e.g. SCREEN_LOGDIR=./logs`,
      },
    ]);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
