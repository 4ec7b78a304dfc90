import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Compiled files live in dist/lab/; the package root holds scripts/, compose/ and localrc.example.
const here = path.dirname(fileURLToPath(import.meta.url));

export const packageRoot = path.resolve(here, '..', '..');

export function packagePath(...parts: string[]): string {
  return path.join(packageRoot, ...parts);
}

/** A path as the user should read it: relative to the current directory when below it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return `./${relative}`;
}
