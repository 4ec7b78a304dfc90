// The follower's open screen logs, one per service. A file is kept open between lines; if
// someone deletes it, its symlink or the whole SCREEN_LOGDIR, lines would go on into a file
// nobody can see, so `check()` compares what the path names with what is open and makes
// the directory, a new timestamped file and the symlink again.
import fs from 'node:fs';
import { openPrivate } from './private.js';
import { currentFile, noteLogFile, pointLink, screenFile, screenLink } from './screen.js';

interface OpenLog {
  fd: number;
  file: string;
  /** A write failed halfway: the next line starts on a line of its own. */
  cutShort: boolean;
}

export class ScreenFiles {
  private readonly open = new Map<string, OpenLog>();
  /** Services that had a file in this run. */
  private readonly named = new Set<string>();

  /**
   * `files` (service -> file) is the follower's saved state, changed in place: a file it
   * names is appended to while the symlink still points at it.
   */
  constructor(
    private readonly logDir: string,
    private readonly files: Record<string, string>,
    private readonly started: Date,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Appends one line; throws what the file system said (ENOSPC, EIO...). */
  append(service: string, line: string): void {
    const log = this.openFor(service);
    const bytes = Buffer.from(`${log.cutShort ? '\n' : ''}${line}\n`);
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(log.fd, bytes, written);
      log.cutShort = false;
    } catch (error) {
      if (written > 0) log.cutShort = true;
      throw error;
    }
  }

  /** Opens again what was deleted or moved; the services whose log was made anew. */
  check(): string[] {
    const renewed: string[] = [];
    for (const [service, log] of this.open) {
      const open = fs.fstatSync(log.fd);
      if (sameFile(statOf(screenLink(this.logDir, service)), open)) continue;
      if (sameFile(statOf(log.file), open)) {
        // Only the symlink went: point it at the file again.
        pointLink(screenLink(this.logDir, service), log.file);
        continue;
      }
      fs.closeSync(log.fd);
      this.open.delete(service);
      delete this.files[service];
      this.openFor(service);
      renewed.push(service);
    }
    return renewed;
  }

  closeAll(): void {
    for (const log of this.open.values()) fs.closeSync(log.fd);
    this.open.clear();
  }

  /**
   * The service's file: the one its symlink points at if this lab wrote it, else a new one,
   * stamped with the follower's start the first time (all services alike), with the clock after.
   */
  private openFor(service: string): OpenLog {
    const known = this.open.get(service);
    if (known) return known;
    fs.mkdirSync(this.logDir, { recursive: true });
    const link = screenLink(this.logDir, service);
    const saved = this.files[service];
    const file = saved !== undefined && currentFile(link) === saved && fs.existsSync(saved) ? saved : screenFile(this.logDir, service, this.named.has(service) ? this.clock() : this.started);
    const fd = openPrivate(file, 'a');
    try {
      if (file !== saved) noteLogFile(file);
      if (currentFile(link) !== file) pointLink(link, file);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    this.named.add(service);
    this.files[service] = file;
    const log = { fd, file, cutShort: false };
    this.open.set(service, log);
    return log;
  }
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function sameFile(a: fs.Stats | undefined, b: fs.Stats): boolean {
  return a !== undefined && a.dev === b.dev && a.ino === b.ino;
}
