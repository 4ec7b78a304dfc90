// Images without a registry. The base (LAB_BASE_IMAGE) is used when the engine has it or
// can pull it; otherwise lab makes a Debian bookworm base itself (debootstrap + import).
// Service images are tagged by a hash of their build context and base, so an unchanged
// image is never rebuilt.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import tmp from 'tmp';
import type { Engine } from '../engine.js';
import { OperationError } from '../errors.js';
import { LABEL } from '../labels.js';
import { packagePath } from '../paths.js';

/** What lab tags the base it makes itself, so it is found again instead of made twice. */
export const MADE_BASE_IMAGE = 'lab-base/debian:bookworm';
export const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim';
const PULL_BOUND_MS = 30_000;

export interface BaseImage {
  ref: string;
  id: string;
  how: 'present' | 'pulled' | 'made earlier' | 'made now';
}

/**
 * The base lab stack builds on: `wanted` when the engine has it; else, for the default,
 * the base lab made earlier; else `wanted` pulled; else the base made earlier; else one
 * made now with debootstrap.
 */
export async function ensureBaseImage(engine: Engine, wanted: string, say: (line: string) => void): Promise<BaseImage> {
  return (await chooseBaseImage(engine, wanted, say, true)) as BaseImage;
}

/**
 * The same choice from what the engine has, pulling and making nothing (lab status): a
 * pull counts as failed; undefined when lab stack would have to make the base.
 */
export function presentBaseImage(engine: Engine, wanted: string): Promise<BaseImage | undefined> {
  return chooseBaseImage(engine, wanted, () => {}, false);
}

async function chooseBaseImage(
  engine: Engine,
  wanted: string,
  say: (line: string) => void,
  acquire: boolean,
): Promise<BaseImage | undefined> {
  const present = await engine.imageId(wanted);
  if (present) return { ref: wanted, id: present, how: 'present' };
  // The base made earlier stands in for the default; no pull is tried again on every stack.
  const made = await engine.imageId(MADE_BASE_IMAGE);
  if (made && wanted === DEFAULT_BASE_IMAGE) {
    say(`${wanted} is not in the engine; using ${MADE_BASE_IMAGE}, made earlier with debootstrap`);
    return { ref: MADE_BASE_IMAGE, id: made, how: 'made earlier' };
  }
  if (acquire) {
    say(`${wanted} is not in the engine; trying to pull it`);
    if (await engine.tryPull(wanted, PULL_BOUND_MS))
      return { ref: wanted, id: (await engine.imageId(wanted)) ?? '', how: 'pulled' };
  }
  if (made) {
    say(`${wanted} cannot be pulled; using ${MADE_BASE_IMAGE}, made earlier with debootstrap`);
    return { ref: MADE_BASE_IMAGE, id: made, how: 'made earlier' };
  }
  if (!acquire) return undefined;
  say(`${wanted} cannot be pulled: making ${MADE_BASE_IMAGE} with debootstrap (once; about 30 s)`);
  await makeBaseImage(engine, say);
  return { ref: MADE_BASE_IMAGE, id: (await engine.imageId(MADE_BASE_IMAGE)) ?? '', how: 'made now' };
}

async function makeBaseImage(engine: Engine, say: (line: string) => void): Promise<void> {
  // Staging only: the root file system lives here until it is imported, then goes.
  const staging = tmp.dirSync({ prefix: 'lab-rootfs-', unsafeCleanup: true });
  const rootfs = path.join(staging.name, 'rootfs');
  try {
    const run = execa('bash', [packagePath('scripts', 'make-base-rootfs.sh'), rootfs], { reject: false, all: true });
    run.all?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(say));
    const result = await run;
    if (result.exitCode === 3) {
      throw new OperationError(
        `cannot make a base image: ${String(result.all)
          .replace(/^make-base-rootfs: /, '')
          .trim()}`,
      );
    }
    if (result.exitCode !== 0) throw new OperationError(`making the base image failed:\n${String(result.all).trim()}`);
    const tar = execa('tar', ['-C', rootfs, '-c', '.'], { buffer: false, stdout: 'pipe' });
    await engine.importRootfs(tar.stdout, MADE_BASE_IMAGE, ['CMD ["/bin/bash"]', 'ENV LANG=C.UTF-8']);
    await tar;
    say(`imported ${MADE_BASE_IMAGE}`);
  } finally {
    staging.removeCallback();
  }
}

export interface ContextImage {
  /** The build context's directory name under compose/, e.g. `neutron`. */
  name: string;
  context: string;
  files: string[];
  tag: string;
  contextHash: string;
}

/** The tag an image gets: its name and a hash of its context files, base and build args. */
export function contextImage(context: string, base: BaseImage): ContextImage {
  const files = listContext(context);
  const hash = createHash('sha256');
  hash.update(`base ${base.id}\n`);
  for (const file of files) {
    const full = path.join(context, file);
    const executable = (fs.statSync(full).mode & 0o111) !== 0;
    hash.update(`${file} ${executable ? 'x' : '-'} ${fs.statSync(full).size}\n`);
    hash.update(fs.readFileSync(full));
  }
  const contextHash = hash.digest('hex');
  const name = path.basename(context);
  return { name, context, files, tag: `lab/${name}:${contextHash.slice(0, 12)}`, contextHash };
}

/**
 * The image of each service's build context on `base`, by context: those in `known`
 * (checked or built already), else the tag the context has now and its id in the engine
 * ('not built' when it lacks it).
 */
export async function serviceImages(
  engine: Engine,
  services: readonly { context: string }[],
  base: BaseImage,
  known: ReadonlyMap<string, { tag: string; id: string }> = new Map(),
): Promise<Map<string, { tag: string; id: string }>> {
  const images = new Map(known);
  for (const service of services) {
    if (images.has(service.context)) continue;
    const image = contextImage(service.context, base);
    images.set(service.context, { tag: image.tag, id: (await engine.imageId(image.tag)) ?? 'not built' });
  }
  return images;
}

function listContext(context: string): string[] {
  return (fs.readdirSync(context, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(context, f)).isFile())
    .sort();
}

export function imageLabels(image: ContextImage): Record<string, string> {
  return { [LABEL.image]: image.name, [LABEL.contextHash]: image.contextHash };
}
