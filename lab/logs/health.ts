// What went wrong for the log follower, kept in a small status file in the lab directory
// for `lab status`: lines it could not write (a full disk, an I/O error) and the Docker
// engine not answering. The follower goes on through both; this is how the user hears of
// them. Pure apart from reading and writing that one file.
import fs from 'node:fs';
import { displayPath } from '../paths.js';
import { replacePrivate } from './private.js';

export interface WriteFailure {
  /** The first error's code and message (ENOSPC: no space left on device, write). */
  code: string;
  message: string;
  /** When the first line could not be written. */
  since: string;
  /** Lines not written since then. */
  lines: number;
  /** When a line was written again, while writes work. */
  resumedAt?: string;
}

export interface EngineOutage {
  error: string;
  lostAt: string;
  /** When the engine answered again and the follower resubscribed. */
  backAt?: string;
  /** How many times the follower lost the engine since it started. */
  times: number;
}

export interface FollowerStatus {
  pid: number;
  logDir: string;
  startedAt: string;
  writes?: WriteFailure;
  engine?: EngineOutage;
}

/** Longer messages are cut, so that the status always fits the file's first block. */
const MESSAGE_CHARS = 400;
const STATUS_BYTES = 4096;

function describeError(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return { code: typeof e?.code === 'string' ? e.code : 'ERROR', message: message.slice(0, MESSAGE_CHARS) };
}

/** The follower's record of its troubles; each method says whether this one is new (worth a line in its own log). */
export class FollowerHealth {
  readonly status: FollowerStatus;
  /** Changed since the last save. */
  changed = true;

  constructor(pid: number, logDir: string, now: Date) {
    this.status = { pid, logDir, startedAt: now.toISOString() };
  }

  writeFailed(error: unknown, now: Date): boolean {
    this.changed = true;
    const writes = this.status.writes;
    if (!writes) {
      this.status.writes = { ...describeError(error), since: now.toISOString(), lines: 1 };
      return true;
    }
    writes.lines++;
    if (writes.resumedAt === undefined) return false;
    delete writes.resumedAt;
    return true;
  }

  writeWorked(now: Date): boolean {
    const writes = this.status.writes;
    if (!writes || writes.resumedAt !== undefined) return false;
    writes.resumedAt = now.toISOString();
    this.changed = true;
    return true;
  }

  engineLost(error: unknown, now: Date): boolean {
    const engine = this.status.engine;
    if (engine && engine.backAt === undefined) return false;
    this.status.engine = { error: describeError(error).message, lostAt: now.toISOString(), times: (engine?.times ?? 0) + 1 };
    this.changed = true;
    return true;
  }

  engineBack(now: Date): boolean {
    const engine = this.status.engine;
    if (!engine || engine.backAt !== undefined) return false;
    engine.backAt = now.toISOString();
    this.changed = true;
    return true;
  }
}

/**
 * Saves the status, padded to one block. Normally by a rename; when that fails (the disk is
 * full, and the lab directory is often on the one the logs filled) the file is overwritten
 * in place: that reuses its own block and needs none.
 */
export function saveStatus(file: string, status: FollowerStatus): void {
  const text = JSON.stringify(status).padEnd(STATUS_BYTES);
  try {
    replacePrivate(file, text);
  } catch (error) {
    if (!fs.existsSync(file)) throw error;
    const fd = fs.openSync(file, 'r+');
    try {
      fs.writeSync(fd, text, 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}

export function readStatus(file: string): FollowerStatus | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as FollowerStatus;
  } catch {
    return undefined;
  }
}

/** A time as the user reads it: 12:03:04 today, with the date on other days. */
export function clockTime(iso: string, now: Date): string {
  const date = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return date.toDateString() === now.toDateString() ? time : `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`;
}

/** One line per trouble the follower reported, for `lab status`; none when all went well. */
export function describeStatus(status: FollowerStatus, now: Date, cwd = process.cwd()): string[] {
  const lines: string[] = [];
  const at = (iso: string) => clockTime(iso, now);
  const { writes, engine } = status;
  if (writes) {
    const what = `${writes.lines} line${writes.lines === 1 ? '' : 's'} not written to ${displayPath(status.logDir, cwd)}`;
    lines.push(
      writes.resumedAt === undefined
        ? `log follower: ${what} since ${at(writes.since)}: ${writes.message}`
        : `log follower: ${what} from ${at(writes.since)} to ${at(writes.resumedAt)} (${writes.message}); writing again since ${at(writes.resumedAt)}`,
    );
  }
  if (engine) {
    const times = engine.times > 1 ? ` (${engine.times} times since ${at(status.startedAt)})` : '';
    lines.push(
      engine.backAt === undefined
        ? `log follower: the Docker engine has been unreachable since ${at(engine.lostAt)} (${engine.error}); it tries again${times}`
        : `log follower: the Docker engine was unreachable from ${at(engine.lostAt)} to ${at(engine.backAt)}; the logs were read on from where they stopped${times}`,
    );
  }
  return lines;
}
