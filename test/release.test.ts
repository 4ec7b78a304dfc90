// The release table's names and DevStack's branch names, and reading dpkg-query's answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RELEASES, releaseNamed, releaseOfBranch } from '../lab/config/release.js';
import { parseInstalled } from '../lab/stack/versions.js';

describe('release names', () => {
  it('takes each name and alias, in any case, and nothing else', () => {
    assert.equal(releaseNamed('2025.1')?.suite, 'trixie');
    assert.equal(releaseNamed('Epoxy')?.name, '2025.1');
    assert.equal(releaseNamed('2022.2')?.name, 'zed');
    assert.equal(releaseNamed('ZED')?.suite, 'bookworm');
    for (const unknown of ['2024.2', 'trixie', '', '2025', 'zed-eol', 'stable/zed'])
      assert.equal(releaseNamed(unknown), undefined, unknown);
  });

  it("reads DevStack's branches and end-of-life tags; master is the newest", () => {
    assert.equal(releaseOfBranch('stable/zed')?.name, 'zed');
    assert.equal(releaseOfBranch('unmaintained/2025.1')?.name, '2025.1');
    assert.equal(releaseOfBranch('zed-eol')?.name, 'zed');
    assert.equal(releaseOfBranch('master')?.name, RELEASES[0]?.name);
    assert.equal(releaseOfBranch('stable/2026.1')?.name, '2026.1');
    for (const other of ['zed', 'stable/yoga', 'stable/', 'feature/zed', 'stable/zed/extra', '2025.1'])
      assert.equal(releaseOfBranch(other), undefined, other);
  });

  it('has one suite per release, and every Open vSwitch release newer than every Linux bridge one', () => {
    assert.equal(new Set(RELEASES.map((r) => r.suite)).size, RELEASES.length);
    assert.deepEqual(
      RELEASES.map((r) => r.l2),
      [...RELEASES.map((r) => r.l2)].sort((a, b) => (a === b ? 0 : a === 'openvswitch' ? -1 : 1)),
    );
  });
});

describe("the packages' versions", () => {
  it('keeps installed packages only', () => {
    const output = [
      'installed python3-neutron 2:26.0.3-1',
      'installed python3-neutron-vpnaas 2:26.0.0-2',
      'config-files strongswan-charon 6.0.1-6',
      '',
    ].join('\n');
    assert.deepEqual(parseInstalled(output), {
      'python3-neutron': '2:26.0.3-1',
      'python3-neutron-vpnaas': '2:26.0.0-2',
    });
  });
});
