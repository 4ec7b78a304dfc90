// Every release lab runs besides the default one, in the same engine one after another: `lab stack`,
// `lab vpn demo` ACTIVE with a ping across the tunnel, `lab check` all passing, `lab status`
// naming the release and Debian's Neutron of it, then `lab unstack`. The full e2e suite runs
// on the default release.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RELEASE, RELEASES } from '../lab/config/release.js';
import { createTestLab, freePort, requireEngine, type TestLab } from './e2e-helpers.js';

for (const [index, release] of RELEASES.filter((r) => r.name !== DEFAULT_RELEASE).entries()) {
  describe(`OpenStack ${release.name} (Debian ${release.debian}), smoke`, { timeout: 30 * 60_000 }, () => {
    let lab: TestLab;
    // A public range of its own, so that this lab does not collide with another one up.
    const third = 60 + index + ((process.pid + 13) % 20) * 2;

    before(async () => {
      await requireEngine();
      const csrPort = await freePort();
      lab = await createTestLab(`rel${index}-`, (name, port) =>
        [
          `LAB_NAME=${name}`,
          `OPENSTACK_RELEASE=${release.name}`,
          `Q_PORT=${port}`,
          `CSR_PORT=${csrPort}`,
          `FLOATING_RANGE=172.24.${third}.0/24`,
          `STRONGSWAN_IP=172.24.${third}.10`,
          'SCREEN_LOGDIR=./logs',
          '',
        ].join('\n'),
      );
    });
    after(async () => {
      await lab?.dispose();
    });

    it('stacks, its summary naming the release', async () => {
      const stack = await lab.run(['stack']);
      assert.equal(stack.code, 0, `${stack.stdout.slice(-3000)}\n${stack.stderr}`);
      assert.match(stack.stdout, new RegExp(`^OpenStack: +${release.name.replace('.', '\\.')} \\(Debian `, 'm'));
      assert.match(stack.stdout, /Initial networks: created public, public-subnet, private, private-subnet, router1/);
    });

    it('brings the demo connection ACTIVE, with a ping across the tunnel', async () => {
      const demo = await lab.run(['vpn', 'demo']);
      assert.equal(demo.code, 0, `${demo.stdout.slice(-3000)}\n${demo.stderr}`);
      assert.match(demo.stdout, /Connection lab-demo-conn and service lab-demo-vpn ACTIVE/);
      const ping = /across the tunnel: (\d+)\/(\d+) replies/.exec(demo.stdout);
      assert.ok(ping && Number(ping[1]) > 0, `no reply across the tunnel:\n${demo.stdout.slice(-1500)}`);
    });

    it('passes every lab check', async () => {
      const check = await lab.run(['check']);
      assert.equal(check.code, 0, check.stdout);
      assert.match(check.stdout, /^all \d+ checks pass$/m);
      assert.doesNotMatch(check.stdout, /^FAIL/m);
    });

    it("says in lab status which release runs, with Debian's Neutron of it", async () => {
      const status = await lab.run(['status', '--json']);
      assert.equal(status.code, 0, status.stderr);
      const { release: running } = JSON.parse(status.stdout) as {
        release: { releases: string[]; packages: Record<string, Record<string, string>>; ovsDatapath?: string };
      };
      assert.deepEqual(running.releases, [release.name]);
      assert.match(
        running.packages['q-svc']?.['python3-neutron'] ?? '',
        new RegExp(`^2:${release.neutron.replace('.', '\\.')}\\.`),
      );
      assert.equal(running.ovsDatapath !== undefined, release.l2 === 'openvswitch');
    });

    it('unstacks, leaving no container', async () => {
      const unstack = await lab.run(['unstack']);
      assert.equal(unstack.code, 0, unstack.stderr);
      const status = await lab.run(['status', '--json']);
      assert.deepEqual((JSON.parse(status.stdout) as { services: unknown[] }).services, []);
    });
  });
}
