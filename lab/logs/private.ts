// Files the log follower writes: the screen logs hold whatever the services print (a
// password in a traceback, a PSK in a debug line), and its state names them, so only the
// lab's user may read them.
import fs from 'node:fs';

export const PRIVATE_MODE = 0o600;

/** Opens (creating) a file as 0600; one made before, with a wider mode, is narrowed too. */
export function openPrivate(file: string, flags: 'a' | 'w' | 'wx'): number {
  const fd = fs.openSync(file, flags, PRIVATE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_MODE);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}

/** Replaces `file` by a rename, so that a reader sees the old text or the new, never half. */
export function replacePrivate(file: string, text: string): void {
  const partial = `${file}.partial`;
  try {
    const fd = openPrivate(partial, 'w');
    try {
      fs.writeFileSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}
