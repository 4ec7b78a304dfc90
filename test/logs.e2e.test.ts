// Screen logs, `lab logs`, `lab restart` and a developer's own driver code (enable_plugin),
// against the real engine: the loop "edit the device driver, restart q-vpn, see it load".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../lab/paths.js';
import { createTestLab, eventually, requireEngine, type TestLab } from './e2e-helpers.js';
import { cleanEnv } from './helpers.js';

const DRIVER = 'lab_test_driver.device.VersionedDriver';

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/**
 * Nanoseconds since the epoch of a line's Docker timestamp (RFC 3339). Its fraction has
 * no fixed width, so the text does not sort in time order ("05Z" > "05.1Z").
 */
function nanoseconds(timestamp: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp);
  const ms = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
  assert.ok(match && !Number.isNaN(ms), `a line starting with Docker's timestamp, not "${timestamp}"`);
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

describe('screen logs, lab logs and lab restart against the real engine', { timeout: 30 * 60_000 }, () => {
  let lab: TestLab;
  let driverDir: string;
  const log = (service: string) => fs.readFileSync(path.join(lab.dir, 'logs', `screen-${service}.log`), 'utf8');
  const setVersion = (version: string) => {
    const file = path.join(driverDir, 'lab_test_driver', 'device.py');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^VERSION = ".*"$/m, `VERSION = "${version}"`));
  };

  before(async () => {
    await requireEngine();
    // A public range of its own, so that this lab does not collide with one already up.
    const publicRange = `172.24.${200 + (process.pid % 50)}.0/24`;
    lab = await createTestLab('logs', (name, port) =>
      [
        `LAB_NAME=${name}`,
        `Q_PORT=${port}`,
        `FLOATING_RANGE=${publicRange}`,
        'ENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn',
        'SCREEN_LOGDIR=./logs',
        'enable_plugin lab-test-driver ./my-driver',
        `NEUTRON_VPNAAS_DEVICE_DRIVER=${DRIVER}`,
        '',
      ].join('\n'),
    );
    driverDir = path.join(lab.dir, 'my-driver');
    fs.cpSync(packagePath('test', 'fixtures', 'lab-test-driver'), driverDir, { recursive: true });
    const result = await lab.run(['stack']);
    assert.equal(result.code, 0, `lab stack failed:\n${result.stdout.slice(-3000)}\n${result.stderr}`);
  });
  after(async () => {
    await lab?.dispose();
  });

  it("writes screen-q-vpn.log, a symlink to a timestamped file, with the developer's driver loaded", () => {
    const link = path.join(lab.dir, 'logs', 'screen-q-vpn.log');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.match(fs.readlinkSync(link), /^screen-q-vpn\.\d{4}-\d{2}-\d{2}-\d{6}\.log$/);
    const text = log('q-vpn');
    assert.match(text, new RegExp(`Loaded VPNaaS device driver: ${DRIVER.replace(/\./g, '\\.')}`));
    assert.match(text, /lab test device driver version v1/);
  });

  it('keeps writing the screen logs after the lab command has exited', async () => {
    const before = log('q-svc').length;
    const { status } = await lab.api('/v2.0/vpn/vpnservices');
    assert.equal(status, 200);
    // No lab command runs now: only the detached follower can write this.
    await eventually('the request reaching screen-q-svc.log', () =>
      /GET \/v2\.0\/vpn\/vpnservices/.test(log('q-svc').slice(before)),
    );
  });

  it('prints exactly the last N lines with lab logs -n, and refuses an unknown service with the known ones', async () => {
    const texts = () =>
      log('q-vpn')
        .trimEnd()
        .split('\n')
        .map((l) => l.slice(l.indexOf(' ') + 1));
    const before = texts().length;
    const five = await lab.run(['logs', 'q-l3', '-n', '5']);
    assert.equal(five.code, 0, five.stderr);
    const printed = five.stdout.trimEnd().split('\n');
    assert.equal(printed.length, 5);
    // q-vpn writes on while lab reads: the five must have been the file's last five at some
    // moment between the read before and the read after.
    const after = texts();
    const ends = [];
    for (let end = Math.max(before, 5); end <= after.length; end++)
      if (after.slice(end - 5, end).every((line, i) => line === printed[i])) ends.push(end);
    assert.ok(ends.length > 0, `not the last 5 lines (between line ${before} and ${after.length}):\n${five.stdout}`);
    const unknown = await lab.run(['logs', 'q-vpm']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no service "q-vpm"; the services are mysql, rabbit, q-db-sync, q-svc, q-agt, q-vpn/);
  });

  it('runs edited driver code after lab restart q-svc q-vpn, with no rebuild, and lab logs -f follows across the restart', async () => {
    const follow = spawn(process.execPath, [packagePath('bin', 'lab.js'), 'logs', '-f', 'q-vpn'], {
      cwd: lab.dir,
      env: cleanEnv(),
    });
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    try {
      await eventually('lab logs -f printing', () => followed.length > 0);
      setVersion('v2');
      const restart = await lab.run(['restart', 'q-svc', 'q-vpn']);
      assert.equal(restart.code, 0, `${restart.stdout}\n${restart.stderr}`);
      assert.match(restart.stdout, /^ {2}q-svc\s+restarted\s+ready [\d.]+ s after start$/m);
      assert.match(restart.stdout, /^ {2}q-vpn\s+restarted\s+ready [\d.]+ s after start$/m);
      assert.doesNotMatch(restart.stdout + restart.stderr, /built in/);
      const text = log('q-vpn');
      assert.equal(
        count(text, `Loaded VPNaaS device driver: ${DRIVER}`),
        2,
        'the lines from before the restart and the new one',
      );
      assert.ok(text.indexOf('driver version v1') < text.indexOf('driver version v2'));
      await eventually('lab logs -f showing the new process', () =>
        followed.includes('lab test device driver version v2'),
      );
    } finally {
      follow.kill('SIGINT');
    }
    const code = await new Promise((resolve) => follow.on('exit', resolve));
    assert.equal(code, 0);

    setVersion('v3');
    const again = await lab.run(['restart', 'q-vpn']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(log('q-vpn'), /lab test device driver version v3/);
  });

  it('runs one log follower for the lab, however often lab stack runs', async () => {
    const again = await lab.run(['stack']);
    assert.equal(again.code, 0, again.stderr);
    const followers = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        } catch {
          return [];
        }
      })
      .filter((args) => args.some((a) => a.endsWith('follower.js')) && args.includes(lab.name));
    assert.equal(followers.length, 1);
  });

  it('has the agent reconnect through a restarted RabbitMQ, and says so', async () => {
    const restart = await lab.run(['restart', 'rabbit']);
    assert.equal(restart.code, 0, `${restart.stdout}\n${restart.stderr}`);
    assert.match(restart.stdout, /^ {2}rabbit\s+restarted/m);
    assert.match(restart.stdout, /^ {2}q-vpn\s+(reconnected|restarted)/m);
    const { body } = await lab.api<{ agents: { agent_type: string; alive: boolean }[] }>('/v2.0/agents');
    assert.ok(body.agents.some((a) => a.agent_type === 'L3 agent' && a.alive));
  });

  it('writes no line twice across restarts, each line in time order', () => {
    const text = log('q-vpn');
    const lines = text.trimEnd().split('\n');
    const seen = new Set<string>();
    const twice: string[] = [];
    const backwards: string[] = [];
    let previous: bigint | undefined;
    for (const line of lines) {
      const at = nanoseconds(line.slice(0, line.indexOf(' ')));
      if (previous !== undefined && at < previous) backwards.push(line);
      previous = at;
      // Docker's timestamp has nanoseconds: the same stamp and text twice is one line written twice.
      if (seen.has(line)) twice.push(line);
      seen.add(line);
    }
    assert.deepEqual(
      { twice, backwards },
      { twice: [], backwards: [] },
      `of ${lines.length} lines, some written twice or out of time order`,
    );
    assert.equal(count(text, `Loaded VPNaaS device driver: ${DRIVER}`), 3);
  });

  it('brings a local.conf change to the running server with lab restart q-svc', async () => {
    lab.writeFile('local.conf', '[[post-config|$NEUTRON_CONF]]\n[quotas]\nquota_network = 42\n');
    const restart = await lab.run(['restart', 'q-svc']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stdout, /^ {2}q-svc\s+recreated/m);
    const { body } = await lab.api<{ quota: { network: number } }>('/v2.0/quotas/any-project');
    assert.equal(body.quota.network, 42);
  });

  it('stops the log follower with lab unstack; the logs stay and lab logs still shows them', async () => {
    const unstack = await lab.run(['unstack']);
    assert.equal(unstack.code, 0, unstack.stderr);
    assert.match(unstack.stdout, /log follower stopped/);
    const size = log('q-vpn').length;
    const shown = await lab.run(['logs', 'q-vpn', '-n', '3']);
    assert.equal(shown.stdout.split('\n').filter((l) => l !== '').length, 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(log('q-vpn').length, size, 'nothing writes after unstack');
  });
});
