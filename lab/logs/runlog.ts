// LOGFILE: the run's own log, as DevStack keeps stack.sh's: LOGFILE.<%F-%H%M%S> with the
// symlink LOGFILE pointing at the newest; LOGDAYS prunes older runs. Everything the run
// prints goes there too (without terminal colours).
import fs from 'node:fs';
import path from 'node:path';
import { openPrivate } from './private.js';
import { logTimestamp, noteLogFile, pointLink, pruneLogs } from './screen.js';

// eslint-disable-next-line no-control-regex -- an escape sequence starts with ESC
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Starts copying stdout and stderr into the run log; returns the function that stops it. */
export function startRunLog(logFile: string, days: number, now = new Date()): () => void {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  pruneLogs(path.dirname(logFile), [`${path.basename(logFile)}.`], days, now);
  const file = `${logFile}.${logTimestamp(now)}`;
  // What the run prints may name a secret it was not told of: owner only, like the screen logs.
  const fd = openPrivate(file, 'a');
  noteLogFile(file);
  pointLink(logFile, file);
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    const original = originals[i];
    if (!original) return;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      fs.writeSync(fd, (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')).replace(ANSI, ''));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  });
  return () => {
    streams.forEach((stream, i) => {
      const original = originals[i];
      if (original) stream.write = original as typeof stream.write;
    });
    fs.closeSync(fd);
  };
}
