// The persistent lab directory (LAB_DIR, by default .lab/<LAB_NAME> beside the localrc):
// rendered config files under etc/, and the passwords generated for this lab (mode 0600),
// so that a re-run reuses them. Never a tmp dir: containers will mount from here.
//
// lab writes into a directory only when it can prove the directory is its own: it makes it
// (mode 0700) and leaves a marker in it naming the lab and every file it wrote. `lab clean`
// removes those files and nothing else, so a LAB_DIR pointed at a user's project by
// mistake is refused before anything is written, and could never be emptied.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { followerPaths } from '../logs/control.js';
import { displayPath } from '../paths.js';
import { isLink, isPlainFile, isRealDirectory } from '../pathkind.js';
import { CONFIG_FILES } from './files.js';
import type { SecretSource } from './resolve.js';
import type { RenderedFile } from './render.js';

const PASSWORDS_FILE = 'passwords';
const PASSWORDS_HEADER =
  '# Passwords lab generated for this lab because the localrc sets none. Kept so re-runs reuse them.';
export const LAB_DIR_MARKER = '.lab-dir';

/** What the marker says: whose directory it is, whether lab made it, the files it wrote there. */
interface Marker {
  lab: string;
  /** False when lab took over an empty directory someone else made: `lab clean` keeps the directory. */
  created: boolean;
  /** Paths relative to the lab directory. */
  files: string[];
}

export function renderedPath(labDir: string, containerPath: string): string {
  return path.join(labDir, containerPath);
}

export const fileSecrets: SecretSource = {
  stored(labDir) {
    const file = path.join(labDir, PASSWORDS_FILE);
    if (!fs.existsSync(file)) return {};
    const stored: Record<string, string> = {};
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
      if (match?.[1]) stored[match[1]] = match[2] ?? '';
    }
    return stored;
  },
  // Hex: safe unescaped in URLs, oslo.config values and shell words.
  generate: () => randomBytes(12).toString('hex'),
  storeName: (labDir) => displayPath(path.join(labDir, PASSWORDS_FILE)),
};

/** The names lab may write at the top of a lab directory (besides what the marker lists). */
function ownNames(labDir: string): string[] {
  const follower = Object.values(followerPaths(labDir)).map((f) => path.basename(f));
  return [
    LAB_DIR_MARKER,
    // A run making the directory right now: its marker is being written (seen by a second first run).
    `${LAB_DIR_MARKER}.partial`,
    PASSWORDS_FILE,
    `${PASSWORDS_FILE}.partial`,
    ...follower,
    ...follower.map((f) => `${f}.partial`),
  ];
}

export type LabDirOwner =
  | { kind: 'missing' }
  | { kind: 'not a directory' }
  | { kind: 'ours'; marker: Marker }
  | { kind: 'another lab'; lab: string }
  /** Empty, made by someone else: lab may take it over (nothing in it can be lost). */
  | { kind: 'empty' }
  /** Made by a lab from before the marker: only lab's own names in it. */
  | { kind: 'earlier lab' }
  | { kind: 'foreign'; entries: string[] };

export function labDirOwner(labDir: string, labName: string): LabDirOwner {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(labDir);
  } catch {
    return fs.existsSync(labDir) || isLink(labDir) ? { kind: 'not a directory' } : { kind: 'missing' };
  }
  if (!stat.isDirectory()) return { kind: 'not a directory' };
  const marker = readMarker(labDir);
  if (marker) return marker.lab === labName ? { kind: 'ours', marker } : { kind: 'another lab', lab: marker.lab };
  const entries = fs.readdirSync(labDir);
  if (entries.length === 0) return { kind: 'empty' };
  if (looksLikeEarlierLab(labDir, entries)) return { kind: 'earlier lab' };
  return { kind: 'foreign', entries };
}

/** lab before markers wrote passwords (with its header), etc/neutron/... and the follower's files. */
function looksLikeEarlierLab(labDir: string, entries: string[]): boolean {
  const own = new Set([...ownNames(labDir), 'etc']);
  if (!entries.every((e) => own.has(e))) return false;
  const passwords = path.join(labDir, PASSWORDS_FILE);
  if (fs.existsSync(passwords) && !fs.readFileSync(passwords, 'utf8').startsWith(PASSWORDS_HEADER)) return false;
  const etc = path.join(labDir, 'etc');
  if (!fs.existsSync(etc)) return true;
  const rendered = new Set(CONFIG_FILES.map((f) => f.containerPath.replace(/^\//, '')));
  return filesBelow(etc).every((f) => rendered.has(path.join('etc', f).replace(/\.partial$/, '')));
}

/**
 * Why lab must not write to LAB_DIR, if it must not: the root, the home directory, the
 * localrc's own directory or one above it, a file, or a directory lab did not make.
 */
export function labDirProblems(
  labDir: string,
  labName: string,
  topDir: string,
  where: string,
  home = os.homedir(),
): Problem[] {
  const shown = displayPath(labDir);
  const fix = `write a directory of lab's own, e.g. LAB_DIR=${displayPath(path.join(topDir, '.lab', labName))} (the default); lab makes it`;
  const problem = (message: string): Problem[] => [{ where, message: `LAB_DIR=${shown} ${message}; ${fix}` }];
  const target = realPathOf(labDir);
  if (target === path.parse(target).root)
    return problem('is the root directory: lab would write etc/neutron/*.conf there');
  if (target === realPathOf(home)) return problem('is your home directory');
  const top = realPathOf(topDir);
  if (top === target) return problem('is the directory of the localrc itself: lab would write among your files');
  if (top.startsWith(`${target}${path.sep}`))
    return problem(`holds the localrc's directory (${displayPath(topDir)}): lab would write among your files`);
  const owner = labDirOwner(labDir, labName);
  switch (owner.kind) {
    case 'not a directory':
      return problem('is not a directory (a file, or a broken symlink)');
    case 'another lab':
      return problem(
        `belongs to lab "${owner.lab}" (its ${LAB_DIR_MARKER} says so): two labs would share passwords and files`,
      );
    case 'foreign':
      return problem(
        `is a directory lab did not make (it has no ${LAB_DIR_MARKER} and holds ${listSome(owner.entries)})`,
      );
    case 'missing': {
      const parent = existingAncestor(labDir);
      if (!isWritableDirectory(parent))
        return problem(
          `cannot be made: ${displayPath(parent)} is ${fs.statSync(parent).isDirectory() ? 'not writable' : 'not a directory'}`,
        );
      return [];
    }
    default:
      return isWritableDirectory(labDir) ? [] : problem('is not writable');
  }
}

/**
 * Makes the lab directory (0700) or takes over one lab may own, and marks it. Call only
 * after labDirProblems found nothing.
 */
export function prepareLabDir(labDir: string, labName: string): void {
  const owner = labDirOwner(labDir, labName);
  if (owner.kind === 'ours') return;
  if (owner.kind !== 'missing' && owner.kind !== 'empty' && owner.kind !== 'earlier lab')
    throw new Error(`${labDir} is not lab's to write (${owner.kind})`);
  fs.mkdirSync(labDir, { recursive: true, mode: 0o700 });
  const files = owner.kind === 'earlier lab' ? filesBelow(labDir).filter((f) => f.startsWith(`etc${path.sep}`)) : [];
  writeMarker(labDir, { lab: labName, created: owner.kind !== 'empty', files });
}

/** Keeps newly generated passwords beside the ones already stored (0600, owner only). */
export function storeSecrets(labDir: string, fresh: Record<string, string>): void {
  if (Object.keys(fresh).length === 0) return;
  const all = { ...fileSecrets.stored(labDir), ...fresh };
  fs.mkdirSync(labDir, { recursive: true, mode: 0o700 });
  const file = path.join(labDir, PASSWORDS_FILE);
  const text = [PASSWORDS_HEADER, ...Object.entries(all).map(([k, v]) => `${k}=${v}`), ''].join('\n');
  writeWhole(file, text);
}

/** Writes each rendered file under LAB_DIR at its container path (etc/neutron/...), and notes it in the marker. */
export function writeRendered(labDir: string, files: RenderedFile[]): string[] {
  const written = files.map(({ spec, document }) => {
    const target = renderedPath(labDir, spec.containerPath);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    writeWhole(target, document.toString());
    return target;
  });
  const marker = readMarker(labDir);
  if (marker) {
    const relative = written.map((f) => path.relative(labDir, f));
    const files = [...new Set([...marker.files, ...relative])];
    if (files.length !== marker.files.length) writeMarker(labDir, { ...marker, files });
  }
  return written;
}

export interface LabDirCleaning {
  /** The directory itself is gone. */
  removedDir: boolean;
  /** What lab wrote there and removed. */
  removed: string[];
  /** What is there that lab did not write: left as it is. */
  kept: string[];
  /** Why nothing was touched, when lab cannot prove the directory is its own. */
  leftAlone?: string;
}

/**
 * `lab clean`'s part in the lab directory: the files lab wrote (its marker, passwords,
 * rendered files, the follower's files), then the directories that are empty after that.
 * Anything else stays, and so does a directory lab did not make.
 */
export function cleanLabDir(labDir: string, labName: string): LabDirCleaning {
  const owner = labDirOwner(labDir, labName);
  const nothing: LabDirCleaning = { removedDir: false, removed: [], kept: [] };
  if (owner.kind === 'missing') return nothing;
  if (owner.kind !== 'ours' && owner.kind !== 'earlier lab') {
    return {
      ...nothing,
      leftAlone: `${displayPath(labDir)} is not lab "${labName}"'s directory (${owner.kind === 'another lab' ? `its marker names lab "${owner.lab}"` : `no ${LAB_DIR_MARKER} in it`}): left as it is`,
    };
  }
  const listed =
    owner.kind === 'ours' ? owner.marker.files : CONFIG_FILES.map((f) => f.containerPath.replace(/^\//, ''));
  const candidates = [
    ...listed,
    ...listed.map((f) => `${f}.partial`),
    ...ownNames(labDir).filter((n) => n !== LAB_DIR_MARKER),
    LAB_DIR_MARKER,
  ];
  const removed: string[] = [];
  for (const relative of candidates) {
    const file = path.join(labDir, relative);
    // Only files inside the directory, never through a symlink planted there.
    if (!isInside(labDir, file) || !isPlainFile(file)) continue;
    fs.rmSync(file);
    removed.push(relative);
  }
  removeEmptyDirs(path.join(labDir, 'etc'));
  const kept = fs.existsSync(labDir) ? filesBelow(labDir) : [];
  let removedDir = false;
  const created = owner.kind === 'earlier lab' || owner.marker.created;
  if (created && kept.length === 0 && fs.readdirSync(labDir).length === 0) {
    fs.rmdirSync(labDir);
    removedDir = true;
    // The default's parent (.lab beside the localrc) goes too when nothing else is in it.
    const parent = path.dirname(labDir);
    if (path.basename(parent) === '.lab' && fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
  }
  return { removedDir, removed, kept };
}

function readMarker(labDir: string): Marker | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(labDir, LAB_DIR_MARKER), 'utf8')) as Partial<Marker>;
    if (typeof parsed.lab !== 'string') return undefined;
    return {
      lab: parsed.lab,
      created: parsed.created !== false,
      files: Array.isArray(parsed.files) ? parsed.files.filter((f): f is string => typeof f === 'string') : [],
    };
  } catch {
    return undefined;
  }
}

function writeMarker(labDir: string, marker: Marker): void {
  const note =
    'lab made this directory (or took it over empty) and wrote the files listed; `lab clean` removes them and nothing else.';
  writeWhole(path.join(labDir, LAB_DIR_MARKER), `${JSON.stringify({ note, ...marker }, null, 1)}\n`);
}

/** Written whole to a sibling then renamed, so a reader never sees half a file; owner only. */
function writeWhole(target: string, text: string): void {
  const partial = `${target}.partial`;
  fs.writeFileSync(partial, text, { mode: 0o600 });
  fs.chmodSync(partial, 0o600);
  fs.renameSync(partial, target);
}

function removeEmptyDirs(dir: string): void {
  if (!isRealDirectory(dir)) return;
  for (const entry of fs.readdirSync(dir)) removeEmptyDirs(path.join(dir, entry));
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/** Files (and symlinks) below a directory, relative to it, without following symlinks. */
function filesBelow(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const next = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(next);
      else found.push(next);
    }
  };
  walk('');
  return found.sort();
}

/** The real path of `p`, for the parts that exist (a path lab is about to make has a tail that does not). */
export function realPathOf(p: string): string {
  const absolute = path.resolve(p);
  let existing = absolute;
  const rest: string[] = [];
  while (!fs.existsSync(existing) && !isLink(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  try {
    return path.join(fs.realpathSync(existing), ...rest);
  } catch {
    return absolute;
  }
}

/** The nearest directory entry above `p` (or `p` itself) that exists. */
export function existingAncestor(p: string): string {
  let current = path.resolve(p);
  while (!fs.existsSync(current) && !isLink(current) && path.dirname(current) !== current)
    current = path.dirname(current);
  return current;
}

export function isWritableDirectory(dir: string): boolean {
  try {
    if (!fs.statSync(dir).isDirectory()) return false;
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
  // Every directory on the way must be a real one of this directory, not a symlink out of it.
  let current = dir;
  for (const part of path
    .dirname(relative)
    .split(path.sep)
    .filter((p) => p !== '.' && p !== '')) {
    current = path.join(current, part);
    if (!isRealDirectory(current)) return false;
  }
  return true;
}

function listSome(entries: string[]): string {
  const shown = entries.slice(0, 3).join(', ');
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}
