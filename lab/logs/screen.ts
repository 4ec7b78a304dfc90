// DevStack's screen-era log naming: $SCREEN_LOGDIR/screen-<svc>.<%F-%H%M%S>.log, with the
// symlink screen-<svc>.log pointing at the newest; and LOGDAYS pruning. Each line is
// written as "<Docker RFC 3339 timestamp> <the line as the service printed it>", so logs of
// several services interleave by time and a restart can resume exactly where it stopped.
import fs from 'node:fs';
import path from 'node:path';

/** DevStack's `date +%F-%H%M%S`, in local time. */
export function logTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

export function screenLink(logDir: string, service: string): string {
  return path.join(logDir, `screen-${service}.log`);
}

export function screenFile(logDir: string, service: string, date: Date): string {
  return path.join(logDir, `screen-${service}.${logTimestamp(date)}.log`);
}

/** The file the symlink points at, if there is one. */
export function currentFile(link: string): string | undefined {
  try {
    return path.resolve(path.dirname(link), fs.readlinkSync(link));
  } catch {
    return undefined;
  }
}

/** Points `link` at `target` atomically (a new symlink renamed over the old one). */
export function pointLink(link: string, target: string): void {
  const temporary = `${link}.new`;
  fs.rmSync(temporary, { force: true });
  fs.symlinkSync(path.basename(target), temporary);
  fs.renameSync(temporary, link);
}

const DAY_MS = 86_400_000;

const STAMPED = /\.(\d{4}-\d{2}-\d{2}-\d{6})(?:\.log)?$/;

function stampDate(stamp: string): number {
  const [date = '', time = ''] = [stamp.slice(0, 10), stamp.slice(11)];
  return new Date(`${date}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`).getTime();
}

/**
 * The files lab made in a log directory, one name a line in `.lab-logs` there: LOGDAYS
 * prunes only those, so a DevStack log or a user's capture with a stamped name is never
 * taken for lab's.
 */
export const LOG_MANIFEST = '.lab-logs';

export function noteLogFile(file: string): void {
  const manifest = path.join(path.dirname(file), LOG_MANIFEST);
  const name = path.basename(file);
  if (notedLogFiles(path.dirname(file)).has(name)) return;
  fs.appendFileSync(manifest, `${name}\n`, { mode: 0o600 });
}

function notedLogFiles(dir: string): Set<string> {
  try {
    return new Set(fs.readFileSync(path.join(dir, LOG_MANIFEST), 'utf8').split('\n').filter((l) => l !== ''));
  } catch {
    return new Set();
  }
}

/**
 * Removes timestamped logs lab made (see LOG_MANIFEST) older than `days` (LOGDAYS) whose
 * name starts with one of the prefixes; the files symlinks point at are kept whatever their age.
 */
export function pruneLogs(dir: string, prefixes: string[], days: number, now = new Date()): string[] {
  if (!fs.existsSync(dir)) return [];
  const limit = now.getTime() - days * DAY_MS;
  const entries = fs.readdirSync(dir);
  const noted = notedLogFiles(dir);
  const kept = new Set(entries.map((e) => currentFile(path.join(dir, e))).filter((f): f is string => f !== undefined));
  const removed: string[] = [];
  for (const entry of entries) {
    const stamp = STAMPED.exec(entry)?.[1];
    const full = path.join(dir, entry);
    if (!stamp || !noted.has(entry) || !prefixes.some((p) => entry.startsWith(p)) || kept.has(full)) continue;
    if (stampDate(stamp) < limit) {
      fs.rmSync(full, { force: true });
      removed.push(entry);
    }
  }
  if (removed.length > 0) {
    const left = [...noted].filter((n) => !removed.includes(n) && fs.existsSync(path.join(dir, n)));
    fs.writeFileSync(path.join(dir, LOG_MANIFEST), left.map((n) => `${n}\n`).join(''), { mode: 0o600 });
  }
  return removed;
}

export interface LogLine {
  timestamp: string;
  text: string;
}

/** Splits a screen log line into Docker's timestamp and the service's own text. */
export function parseLogLine(line: string): LogLine {
  const space = line.indexOf(' ');
  if (space > 0 && /^\d{4}-\d{2}-\d{2}T/.test(line)) return { timestamp: line.slice(0, space), text: line.slice(space + 1) };
  return { timestamp: '', text: line };
}

/** RFC 3339 with nanoseconds compares as text once the fraction has the same width. */
export function sortableTimestamp(timestamp: string): string {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(timestamp);
  if (!match) return timestamp;
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z`;
}

/**
 * LOGDAYS pruning for a process that runs for days (the log follower): at the first tick,
 * then at most once a day, so old files go while it runs and not only when it starts.
 */
export class Pruner {
  private last: number | undefined;

  constructor(
    private readonly dir: string,
    private readonly prefixes: string[],
    private readonly days: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The names it removed; none when it pruned less than a day ago. */
  tick(): string[] {
    const now = this.clock();
    if (this.last !== undefined && now.getTime() - this.last < DAY_MS) return [];
    this.last = now.getTime();
    return pruneLogs(this.dir, this.prefixes, this.days, now);
  }
}
