// Reads the user's localrc or local.conf, refusing with what to do whatever is not a
// readable regular file of Unix lines: a broken symlink or a loop, a directory, a FIFO
// (opening one would wait for a writer forever), a device, a file lab may not read, CRLF.
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { displayPath } from '../paths.js';

/** How lab came to the file: named by --localrc, or found, with what lab reads without it. */
export type Found = { explicit: true } | { explicit: false; without: string };

/** The file's text, or an InputError naming it and what to do. */
export function readInput(file: string, cwd: string, found: Found): string {
  const display = displayPath(file, cwd);
  const refuse = (message: string): never => {
    throw new InputError([{ where: found.explicit ? `--localrc ${display}` : display, message }]);
  };
  const text = readRegularFile(file, refuse, remedy(found));
  const crlf = firstCrlfLine(text);
  if (crlf !== undefined) {
    refuse(
      `CRLF (Windows) line endings, from line ${crlf}: bash would keep the \\r in every value; convert the file with dos2unix ${display} (or sed -i 's/\\r$//' ${display})`,
    );
  }
  return text;
}

/** What to do instead when the file cannot be used at all. */
function remedy(found: Found): { fix: string; remove: string } {
  if (found.explicit)
    return {
      fix: 'give the path of a DevStack localrc or local.conf',
      remove: 'give the path of a DevStack localrc or local.conf',
    };
  return { fix: `lab then reads ${found.without}`, remove: `move it away (lab then reads ${found.without})` };
}

function readRegularFile(
  file: string,
  refuse: (message: string) => never,
  instead: { fix: string; remove: string },
): string {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO opens at once and is refused below instead of hanging.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return refuse(whyUnopenable(file, error as NodeJS.ErrnoException, instead.fix));
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) refuse(`${kindOf(stats)}, not a regular file: ${instead.remove}`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function whyUnopenable(file: string, error: NodeJS.ErrnoException, instead: string): string {
  switch (error.code) {
    case 'ENOENT':
      return `a symlink to ${linkTarget(file)}, which does not exist: fix the link or remove it (${instead})`;
    case 'ELOOP':
      return `a symlink loop (it points to ${linkTarget(file)}, which leads back to itself): fix the link or remove it (${instead})`;
    case 'EACCES':
    case 'EPERM':
      return `not readable by this user (uid ${process.getuid?.() ?? '?'}): make it readable (chmod u+r, or chown it to you) or run lab as the file's owner`;
    default:
      return `cannot be opened (${error.code ?? error.message}): ${instead}`;
  }
}

function linkTarget(file: string): string {
  try {
    return fs.readlinkSync(file);
  } catch {
    return '(unreadable link)';
  }
}

function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** The 1-based line of the first CR before a line feed, if any. */
function firstCrlfLine(text: string): number | undefined {
  const at = text.indexOf('\r\n');
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}
