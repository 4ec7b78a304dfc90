// lab stack's choice of base image, and lab status's same choice from what the engine has
// (nothing pulled or made), against a fake engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Engine } from '../lab/engine.js';
import { ensureBaseImage, presentBaseImage, serviceImages } from '../lab/stack/images.js';
import { packagePath } from '../lab/paths.js';
import { defaultBaseImage, madeBaseImage, releaseByName } from '../lab/config/release.js';

const ZED = releaseByName('zed');
const DEFAULT_BASE_IMAGE = defaultBaseImage(ZED);
const MADE_BASE_IMAGE = madeBaseImage(ZED);
/** LAB_BASE_IMAGE=image on Zed. */
const onZed = (image: string) => ({ image, release: ZED });

/** An engine holding `images` (ref -> id); a pull of one in `pullable` succeeds. */
function fakeEngine(images: Record<string, string>, pullable: Record<string, string> = {}) {
  const pulls: string[] = [];
  const engine = {
    imageId: async (ref: string) => images[ref],
    tryPull: async (ref: string) => {
      pulls.push(ref);
      if (!pullable[ref]) return false;
      images[ref] = pullable[ref];
      return true;
    },
  } as unknown as Engine;
  return { engine, pulls };
}

describe('the base image', () => {
  it('is the wanted one when the engine has it, for stack and status alike', async () => {
    for (const wanted of [DEFAULT_BASE_IMAGE, 'debian:trixie']) {
      const { engine, pulls } = fakeEngine({ [wanted]: 'sha256:w', [MADE_BASE_IMAGE]: 'sha256:m' });
      assert.deepEqual(await ensureBaseImage(engine, onZed(wanted), () => {}), {
        ref: wanted,
        id: 'sha256:w',
        how: 'present',
        release: ZED,
      });
      assert.deepEqual(await presentBaseImage(engine, onZed(wanted)), {
        ref: wanted,
        id: 'sha256:w',
        how: 'present',
        release: ZED,
      });
      assert.deepEqual(pulls, []);
    }
  });

  it('is the base made earlier in place of the default, without a pull', async () => {
    const { engine, pulls } = fakeEngine({ [MADE_BASE_IMAGE]: 'sha256:m' });
    const said: string[] = [];
    const made = { ref: MADE_BASE_IMAGE, id: 'sha256:m', how: 'made earlier', release: ZED };
    assert.deepEqual(await ensureBaseImage(engine, onZed(DEFAULT_BASE_IMAGE), (line) => said.push(line)), made);
    assert.deepEqual(said, [
      `${DEFAULT_BASE_IMAGE} is not in the engine; using ${MADE_BASE_IMAGE}, made earlier with debootstrap`,
    ]);
    assert.deepEqual(await presentBaseImage(engine, onZed(DEFAULT_BASE_IMAGE)), made);
    assert.deepEqual(pulls, []);
  });

  it('is another wanted one pulled by stack; status pulls nothing and counts the pull as failed', async () => {
    const { engine, pulls } = fakeEngine({ [MADE_BASE_IMAGE]: 'sha256:m' }, { 'debian:trixie': 'sha256:t' });
    assert.deepEqual(await presentBaseImage(engine, onZed('debian:trixie')), {
      ref: MADE_BASE_IMAGE,
      id: 'sha256:m',
      how: 'made earlier',
      release: ZED,
    });
    assert.deepEqual(pulls, []);
    assert.deepEqual(await ensureBaseImage(engine, onZed('debian:trixie'), () => {}), {
      ref: 'debian:trixie',
      id: 'sha256:t',
      how: 'pulled',
      release: ZED,
    });
    assert.deepEqual(pulls, ['debian:trixie']);
  });

  it('is the base made earlier when the pull fails; for status, none when there is nothing to stand in', async () => {
    const { engine } = fakeEngine({ [MADE_BASE_IMAGE]: 'sha256:m' });
    const said: string[] = [];
    assert.deepEqual(await ensureBaseImage(engine, onZed('debian:trixie'), (line) => said.push(line)), {
      ref: MADE_BASE_IMAGE,
      id: 'sha256:m',
      how: 'made earlier',
      release: ZED,
    });
    assert.deepEqual(said, [
      'debian:trixie is not in the engine; trying to pull it',
      `debian:trixie cannot be pulled; using ${MADE_BASE_IMAGE}, made earlier with debootstrap`,
    ]);
    assert.equal(await presentBaseImage(fakeEngine({}).engine, onZed(DEFAULT_BASE_IMAGE)), undefined);
  });
});

describe("each release's base image", () => {
  it('is made of its own suite: the base made for Zed never stands in for 2025.1', async () => {
    const epoxy = releaseByName('2025.1');
    assert.equal(defaultBaseImage(epoxy), 'debian:trixie-slim');
    assert.equal(madeBaseImage(epoxy), 'lab-base/debian:trixie');
    const { engine } = fakeEngine({ [MADE_BASE_IMAGE]: 'sha256:m', 'lab-base/debian:trixie': 'sha256:t' });
    const wanted = { image: defaultBaseImage(epoxy), release: epoxy };
    assert.deepEqual(await presentBaseImage(engine, wanted), {
      ref: 'lab-base/debian:trixie',
      id: 'sha256:t',
      how: 'made earlier',
      release: epoxy,
    });
    assert.equal(await presentBaseImage(fakeEngine({ [MADE_BASE_IMAGE]: 'sha256:m' }).engine, wanted), undefined);
  });
});

describe('the service images', () => {
  it('keeps those known, and gives the others the tag of their context on the base, not built when the engine lacks it', async () => {
    const neutron = packagePath('compose', 'neutron');
    const strongswan = packagePath('compose', 'strongswan');
    const { engine } = fakeEngine({});
    const base = { ref: DEFAULT_BASE_IMAGE, id: 'sha256:b', how: 'present', release: ZED } as const;
    const images = await serviceImages(
      engine,
      [{ context: neutron }, { context: neutron }, { context: strongswan }],
      base,
      new Map([[strongswan, { tag: 'lab/strongswan:built', id: 'sha256:s' }]]),
    );
    assert.deepEqual([...images.keys()].sort(), [neutron, strongswan].sort());
    assert.match(images.get(neutron)?.tag ?? '', /^lab\/neutron:[0-9a-f]{12}$/);
    assert.equal(images.get(neutron)?.id, 'not built');
    assert.deepEqual(images.get(strongswan), { tag: 'lab/strongswan:built', id: 'sha256:s' });
    const other = await serviceImages(engine, [{ context: neutron }], { ...base, id: 'sha256:other' });
    assert.notEqual(other.get(neutron)?.tag, images.get(neutron)?.tag, 'another base, another tag');
    // The same base id for another release (its suite and apt options are build args): another tag.
    const forky = await serviceImages(engine, [{ context: neutron }], { ...base, release: releaseByName('2026.1') });
    assert.notEqual(forky.get(neutron)?.tag, images.get(neutron)?.tag, 'another release, another tag');
  });
});
