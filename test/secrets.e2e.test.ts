// Secrets and user names with quotes, backslashes, "$", "#" and spaces, against the real
// services: MariaDB and RabbitMQ accept what Neutron sends, the strongSwan peer and the
// router's charon agree on the PSK (`lab vpn demo` ACTIVE, a ping across), and a value
// lab cannot write is refused before anything starts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestLab, requireEngine, type TestLab } from './e2e-helpers.js';
import type { Engine } from '../lab/engine.js';
import { DEFAULT_RELEASE, l2Agent, releaseByName } from '../lab/config/release.js';

/** VAR='value' as bash reads it back, whatever the value holds. */
const assign = (name: string, value: string): string => `${name}='${value.replace(/'/g, `'\\''`)}'`;

// Each holds ", ', \, $ and a space; with "#", edge spaces, a leading "-" or "0x" besides,
// which rabbitmq.conf, swanctl.conf or the client's options would have misread.
const VALUES = {
  DATABASE_USER: `neutron o'db $x`,
  DATABASE_PASSWORD: `db "pass" 'word' \\ $HOME #%@:/`,
  RABBIT_USERID: `stack "rabbit" \\ $u`,
  RABBIT_PASSWORD: ` rb "pass" 'word' \\ $x #;, `,
  STRONGSWAN_PSK: `-0x "psk" 'word' \\ $PSK #} {`,
};

describe('awkward passwords, PSK and user names with the real services', { timeout: 30 * 60_000 }, () => {
  let engine: Engine;
  let lab: TestLab;
  const third = 100 + ((process.pid + 37) % 100);
  const base = (name: string, port: number) => [
    `LAB_NAME=${name}`,
    `Q_PORT=${port}`,
    'ENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn,strongswan',
    `FLOATING_RANGE=172.24.${third}.0/24`,
    `STRONGSWAN_IP=172.24.${third}.10`,
    'SCREEN_LOGDIR=./logs',
  ];
  let localrc = '';

  before(async () => {
    engine = await requireEngine();
    lab = await createTestLab('sec', (name, port) => {
      localrc = [...base(name, port), ...Object.entries(VALUES).map(([k, v]) => assign(k, v)), ''].join('\n');
      // First a PSK lab cannot write on one line.
      return [...base(name, port), `STRONGSWAN_PSK=$'psk-first\\npsk-second'`, ''].join('\n');
    });
  });
  after(async () => {
    await lab?.dispose();
  });

  it('refuses a PSK holding a newline before anything starts, naming the variable', async () => {
    const result = await lab.run(['stack']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /localrc line 7: STRONGSWAN_PSK holds a control character \(\\n\).*its value is not shown/,
    );
    assert.doesNotMatch(result.stderr, /psk-first|psk-second/);
    assert.deepEqual(await engine.listContainers(lab.name), []);
  });

  it('stacks, and neutron-server and the agents reach MariaDB and RabbitMQ as the awkward users', async () => {
    lab.writeFile('localrc', localrc);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 0, `${stack.stdout.slice(-3000)}\n${stack.stderr}`);
    for (const secret of [VALUES.DATABASE_PASSWORD, VALUES.RABBIT_PASSWORD, VALUES.STRONGSWAN_PSK])
      assert.ok(!`${stack.stdout}${stack.stderr}`.includes(secret), 'no secret printed');
    const agents = (await lab.api<{ agents: { agent_type: string; alive: boolean }[] }>('/v2.0/agents')).body.agents;
    assert.deepEqual(agents.map((a) => [a.agent_type, a.alive]).sort(), [
      ['L3 agent', true],
      [l2Agent(releaseByName(DEFAULT_RELEASE)), true],
    ]);

    // As root, Debian's rabbitmqctl wrapper hands its arguments to `su -c` in double quotes
    // (a "$" would expand): as the rabbitmq user it passes them as they are.
    const rabbitmqctl = (...args: string[]) =>
      lab.run(['exec', 'rabbit', 'runuser', '-u', 'rabbitmq', '--', 'rabbitmqctl', '-q', ...args]);
    const users = await rabbitmqctl('list_users');
    assert.ok(users.stdout.split('\n').includes(`${VALUES.RABBIT_USERID}\t[administrator]`), users.stdout);
    const auth = await rabbitmqctl('authenticate_user', VALUES.RABBIT_USERID, VALUES.RABBIT_PASSWORD);
    assert.equal(auth.code, 0, `${auth.stdout}${auth.stderr}`);
    const login = await lab.run([
      'exec',
      'mysql',
      'mariadb',
      '-h127.0.0.1',
      `-u${VALUES.DATABASE_USER}`,
      `-p${VALUES.DATABASE_PASSWORD}`,
      '-N',
      '-e',
      'SELECT CURRENT_USER(), COUNT(*) FROM information_schema.tables WHERE table_schema = "neutron"',
    ]);
    assert.equal(login.code, 0, `${login.stdout}${login.stderr}`);
    const [who, tables] = login.stdout.trim().split('\t');
    assert.equal(who, `${VALUES.DATABASE_USER}@%`);
    assert.ok(Number(tables) > 100, `Neutron's tables, migrated by q-db-sync: ${tables}`);
  });

  it('lab vpn demo: ACTIVE with the PSK the peer holds, and a ping across the tunnel', async () => {
    const demo = await lab.run(['vpn', 'demo']);
    assert.equal(demo.code, 0, `${demo.stdout}\n${demo.stderr}`);
    assert.match(demo.stdout, /--psk=\*{8}/);
    assert.match(demo.stdout, /connection ACTIVE, service ACTIVE/);
    assert.match(demo.stdout, /ping 10\.0\.0\.254 -> 10\.2\.0\.1 across the tunnel: [1-3]\/3 replies/);
    assert.ok(!demo.stdout.includes(VALUES.STRONGSWAN_PSK), 'the PSK is not printed');
    const sas = await lab.run(['exec', 'strongswan', 'swanctl', '--list-sas']);
    assert.match(sas.stdout, /ESTABLISHED, IKEv1/);
  });
});
