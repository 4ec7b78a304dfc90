// Reading screen logs for `lab logs`: the last lines, since a time, several services
// interleaved by time, and following a log across restarts (the follower appends to the
// same file) and across a new stack (the symlink moves to a new file).
import fs from 'node:fs';
import { currentFile, parseLogLine, screenLink, sortableTimestamp, type LogLine } from './screen.js';

export interface ServiceLine extends LogLine {
  service: string;
}

export function readServiceLog(logDir: string, service: string): ServiceLine[] {
  const file = currentFile(screenLink(logDir, service));
  if (!file || !fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ({ service, ...parseLogLine(l) }));
}

/** Lines at or after `since`, then the last `tail` of them (per service, as docker compose does). */
export function selectLines(lines: ServiceLine[], options: { tail?: number | undefined; since?: Date | undefined }): ServiceLine[] {
  const from = options.since ? sortableTimestamp(options.since.toISOString()) : '';
  const recent = from ? lines.filter((l) => sortableTimestamp(l.timestamp) >= from) : lines;
  return options.tail === undefined ? recent : recent.slice(Math.max(0, recent.length - options.tail));
}

/** Several services' lines in time order (stable: a service's own order is kept). */
export function interleave(perService: ServiceLine[][]): ServiceLine[] {
  return perService
    .flat()
    .map((line, index) => ({ line, index, key: sortableTimestamp(line.timestamp) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index))
    .map((e) => e.line);
}

/** Parses 90s, 10m, 2h, 1d, 1h30m (and an ISO date) into the moment that long ago. */
export function parseSince(text: string, now = new Date()): Date | undefined {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * factor[p[2] as keyof typeof factor], 0);
  return new Date(now.getTime() - ms);
}

/**
 * Follows one service's screen log: new lines as they are appended; when the symlink
 * moves to a newer file (a new `lab stack`), the new file from its start.
 */
export class LogFollower {
  private file: string | undefined;
  private offset = 0;
  private rest = '';

  constructor(private readonly logDir: string, private readonly service: string) {
    this.file = currentFile(screenLink(logDir, service));
    this.offset = this.file && fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  poll(): ServiceLine[] {
    const file = currentFile(screenLink(this.logDir, this.service));
    if (file !== this.file) {
      this.file = file;
      this.offset = 0;
      this.rest = '';
    }
    if (!this.file || !fs.existsSync(this.file)) return [];
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return [];
    const fd = fs.openSync(this.file, 'r');
    const buffer = Buffer.alloc(size - this.offset);
    fs.readSync(fd, buffer, 0, buffer.length, this.offset);
    fs.closeSync(fd);
    this.offset = size;
    const lines = (this.rest + buffer.toString('utf8')).split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l !== '').map((l) => ({ service: this.service, ...parseLogLine(l) }));
  }
}
