// Images without a registry. The base (LAB_BASE_IMAGE) is used when the engine has it or
// can pull it; otherwise lab makes a base of the release's Debian suite itself (debootstrap
// + import).
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
import { defaultBaseImage, madeBaseImage, type Release } from '../config/release.js';

/** The base asked for: LAB_BASE_IMAGE, and the release whose Debian suite it must be. */
export interface WantedBase {
  image: string;
  release: Release;
}

export function wantedBase(config: { baseImage: string; release: Release }): WantedBase {
  return { image: config.baseImage, release: config.release };
}
const PULL_BOUND_MS = 30_000;
/** debootstrap took 25 to 40 s here; a slow mirror gets this long before lab gives up. */
const BOOTSTRAP_BOUND_MS = 15 * 60_000;

export interface BaseImage {
  ref: string;
  id: string;
  how: 'present' | 'pulled' | 'made earlier' | 'made now';
  /** The release the images built on it are of: its suite and apt options are build args. */
  release: Release;
}

/**
 * The base lab stack builds on: `wanted` when the engine has it; else, for the default,
 * the base lab made earlier; else `wanted` pulled; else the base made earlier; else one
 * made now with debootstrap.
 */
export async function ensureBaseImage(
  engine: Engine,
  wanted: WantedBase,
  say: (line: string) => void,
): Promise<BaseImage> {
  return (await chooseBaseImage(engine, wanted, say, true)) as BaseImage;
}

/**
 * The same choice from what the engine has, pulling and making nothing (lab status): a
 * pull counts as failed; undefined when lab stack would have to make the base.
 */
export function presentBaseImage(engine: Engine, wanted: WantedBase): Promise<BaseImage | undefined> {
  return chooseBaseImage(engine, wanted, () => {}, false);
}

async function chooseBaseImage(
  engine: Engine,
  { image: wanted, release }: WantedBase,
  say: (line: string) => void,
  acquire: boolean,
): Promise<BaseImage | undefined> {
  const made = madeBaseImage(release);
  const present = await engine.imageId(wanted);
  if (present) return { ref: wanted, id: present, how: 'present', release };
  // The base made earlier stands in for the default; no pull is tried again on every stack.
  const madeId = await engine.imageId(made);
  if (madeId && wanted === defaultBaseImage(release)) {
    say(`${wanted} is not in the engine; using ${made}, made earlier with debootstrap`);
    return { ref: made, id: madeId, how: 'made earlier', release };
  }
  if (acquire) {
    say(`${wanted} is not in the engine; trying to pull it`);
    if (await engine.tryPull(wanted, PULL_BOUND_MS))
      return { ref: wanted, id: (await engine.imageId(wanted)) ?? '', how: 'pulled', release };
  }
  if (madeId) {
    say(`${wanted} cannot be pulled; using ${made}, made earlier with debootstrap`);
    return { ref: made, id: madeId, how: 'made earlier', release };
  }
  if (!acquire) return undefined;
  say(`${wanted} cannot be pulled: making ${made} with debootstrap (once; about 30 s)`);
  await makeBaseImage(engine, release, say);
  return { ref: made, id: (await engine.imageId(made)) ?? '', how: 'made now', release };
}

async function makeBaseImage(engine: Engine, release: Release, say: (line: string) => void): Promise<void> {
  // Staging only: the root file system lives here until it is imported, then goes.
  const staging = tmp.dirSync({ prefix: 'lab-rootfs-', unsafeCleanup: true });
  const rootfs = path.join(staging.name, 'rootfs');
  const made = madeBaseImage(release);
  try {
    const args = [packagePath('scripts', 'make-base-rootfs.sh'), rootfs, release.suite];
    if (release.debootstrapScript) args.push(release.debootstrapScript);
    const run = execa('bash', args, { reject: false, all: true, timeout: BOOTSTRAP_BOUND_MS });
    run.all?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(say));
    const result = await run;
    if (result.exitCode === 3) {
      throw new OperationError(
        `cannot make a base image: ${String(result.all)
          .replace(/^make-base-rootfs: /, '')
          .trim()}`,
      );
    }
    if (result.timedOut)
      throw new OperationError(`making ${made} took longer than ${BOOTSTRAP_BOUND_MS / 60_000} minutes: stopped`);
    if (result.exitCode !== 0) throw new OperationError(`making the base image failed:\n${String(result.all).trim()}`);
    const tar = execa('tar', ['-C', rootfs, '-c', '.'], { buffer: false, stdout: 'pipe' });
    await engine.importRootfs(tar.stdout, made, ['CMD ["/bin/bash"]', 'ENV LANG=C.UTF-8']);
    await tar;
    say(`imported ${made}`);
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
  release: string;
}

/**
 * What every Dockerfile is given: the base, and its release's suite (checked against the
 * base's own /etc/os-release, and choosing packages) and apt options.
 */
export function buildArgs(base: BaseImage): Record<string, string> {
  return { LAB_BASE_IMAGE: base.ref, LAB_SUITE: base.release.suite, LAB_APT_OPTIONS: base.release.apt?.options ?? '' };
}

/** The tag an image gets: its name and a hash of its context files, base and build args. */
export function contextImage(context: string, base: BaseImage): ContextImage {
  const files = listContext(context);
  const hash = createHash('sha256');
  hash.update(`base ${base.id}\n`);
  // The base's name is not hashed (its id is): the same image under another name builds the same.
  for (const [name, value] of Object.entries(buildArgs(base)).filter(([n]) => n !== 'LAB_BASE_IMAGE'))
    hash.update(`arg ${name}=${value}\n`);
  for (const file of files) {
    const full = path.join(context, file);
    const executable = (fs.statSync(full).mode & 0o111) !== 0;
    hash.update(`${file} ${executable ? 'x' : '-'} ${fs.statSync(full).size}\n`);
    hash.update(fs.readFileSync(full));
  }
  const contextHash = hash.digest('hex');
  const name = path.basename(context);
  return {
    name,
    context,
    files,
    tag: `lab/${name}:${contextHash.slice(0, 12)}`,
    contextHash,
    release: base.release.name,
  };
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
  return { [LABEL.image]: image.name, [LABEL.contextHash]: image.contextHash, [LABEL.release]: image.release };
}
