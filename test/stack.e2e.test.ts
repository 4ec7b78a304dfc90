// `lab stack`, `status`, `unstack`, `clean` against the real engine: real MariaDB, RabbitMQ,
// neutron-server with VPNaaS and the VPN agent, built locally.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { overlaps } from '../lab/config/ipv4.js';
import { Engine } from '../lab/engine.js';
import { LABEL } from '../lab/labels.js';
import { packagePath } from '../lab/paths.js';
import { createTestLab, requireEngine, type TestLab } from './e2e-helpers.js';
import { cleanEnv, lab as runLab, removeScratch, scratch } from './helpers.js';
import { DEFAULT_RELEASE, releaseByName } from '../lab/config/release.js';

const STRONGSWAN_DRIVER = 'neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver';

describe('lab stack against the real engine', { timeout: 40 * 60_000 }, () => {
  let engine: Engine;
  let lab: TestLab;

  before(async () => {
    engine = await requireEngine();
    lab = await createTestLab(
      'e2e',
      (name, port) => `LAB_NAME=${name}\nQ_PORT=${port}\nENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn\n`,
    );
  });
  after(async () => {
    await lab?.dispose();
  });

  const containerIds = async () =>
    Object.fromEntries((await engine.listContainers(lab.name)).map((c) => [c.service, c.id]));

  it('stacks the default services until each is ready, and prints the summary', async () => {
    const result = await lab.run(['stack']);
    assert.equal(result.code, 0, `lab stack failed:\n${result.stdout.slice(-3000)}\n${result.stderr}`);
    assert.match(result.stdout, new RegExp(`lab "${lab.name}" is up, in [\\d.]+ s`));
    assert.match(result.stdout, new RegExp(`Neutron API:\\s+http://127\\.0\\.0\\.1:${lab.port}/v2\\.0/`));
    for (const service of ['mysql', 'rabbit', 'q-db-sync', 'q-svc', 'q-agt', 'q-vpn'])
      assert.match(result.stdout, new RegExp(`^  ${service}\\s+(created|recreated|started)`, 'm'));
  });

  it('answers GET /v2.0/vpn/vpnservices with 200 and no services', async () => {
    const { status, body } = await lab.api<unknown>('/v2.0/vpn/vpnservices');
    assert.equal(status, 200);
    assert.deepEqual(body, { vpnservices: [] });
  });

  it('lists the configured VPN provider as default', async () => {
    const { status, body } = await lab.api<{
      service_providers: { service_type: string; name: string; default: boolean }[];
    }>('/v2.0/service-providers');
    assert.equal(status, 200);
    assert.deepEqual(
      body.service_providers.filter((p) => p.service_type === 'VPN'),
      [{ service_type: 'VPN', name: 'strongswan', default: true }],
    );
  });

  it('shows the L3 agent alive, with the configured device driver loaded', async () => {
    const { body } = await lab.api<{ agents: { agent_type: string; host: string; alive: boolean; binary: string }[] }>(
      '/v2.0/agents',
    );
    const agent = body.agents.find((a) => a.agent_type === 'L3 agent');
    assert.ok(agent, 'no L3 agent registered');
    assert.equal(agent.alive, true);
    assert.equal(agent.host, 'q-vpn');
    const vpn = (await engine.listContainers(lab.name)).find((c) => c.service === 'q-vpn');
    const log = await engine.logTail(vpn?.id ?? '', 100_000);
    assert.ok(
      log.some((l) => l.includes(`Loaded VPNaaS device driver: ${STRONGSWAN_DRIVER}`)),
      'the device driver was not loaded',
    );
  });

  it("runs q-vpn without SYS_PTRACE or DAC_READ_SEARCH, the host's /proc/sys read-only and only its own net settings writable", async () => {
    const vpn = (await engine.listContainers(lab.name)).find((c) => c.service === 'q-vpn');
    assert.ok(vpn, 'no q-vpn container');
    const { exitCode, output } = await engine.exec(vpn.id, [
      'bash',
      '-c',
      // The bounding set in hex, then one write the host would feel and one in a namespace of q-vpn's own.
      'grep CapBnd /proc/self/status; echo 1 > /proc/sys/kernel/panic_on_oops && echo kernel-writable; ip netns add lab-probe && ip netns exec lab-probe sysctl -qw net.ipv4.ip_forward=1 && echo net-writable; ip netns delete lab-probe',
    ]);
    assert.equal(exitCode, 0, output);
    const bounding = BigInt(`0x${/CapBnd:\s+([0-9a-f]+)/.exec(output)?.[1] ?? '0'}`);
    const has = (bit: number) => (bounding >> BigInt(bit)) & 1n;
    // capability(7) numbers: NET_ADMIN 12, NET_RAW 13, SYS_ADMIN 21; DAC_READ_SEARCH 2, SYS_PTRACE 19.
    assert.deepEqual([has(12), has(13), has(21)], [1n, 1n, 1n], output);
    assert.deepEqual([has(2), has(19)], [0n, 0n], output);
    assert.doesNotMatch(output, /kernel-writable/);
    assert.match(output, /net-writable/);
  });

  it('reports every service healthy and its config current', async () => {
    const result = await lab.run(['status', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as {
      release: { releases: string[]; packages: Record<string, Record<string, string>> };
      services: { service: string; state: string; health?: string; config: string; ports: string[] }[];
    };
    // The release the containers are labelled with, and Debian's Neutron of that release in them.
    const release = releaseByName(DEFAULT_RELEASE);
    assert.deepEqual(status.release.releases, [release.name]);
    assert.match(
      status.release.packages['q-svc']?.['python3-neutron'] ?? '',
      new RegExp(`^2:${release.neutron.replace('.', '\\.')}\\.`),
    );
    const byName = Object.fromEntries(status.services.map((s) => [s.service, s]));
    for (const service of ['mysql', 'rabbit', 'q-svc', 'q-agt', 'q-vpn']) {
      assert.equal(byName[service]?.state, 'running', service);
      assert.equal(byName[service]?.health, 'healthy', service);
      assert.equal(byName[service]?.config, 'current', service);
    }
    assert.equal(byName['q-db-sync']?.state, 'exited (0)');
    assert.deepEqual(byName['q-svc']?.ports, [`127.0.0.1:${lab.port}->${lab.port}/tcp`]);
  });

  it('does nothing on a second lab stack of an unchanged lab', async () => {
    const before = await containerIds();
    const result = await lab.run(['stack']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /everything is up and unchanged; nothing was started/);
    assert.deepEqual(await containerIds(), before);
  });

  it('recreates only the service whose rendered config changed, after status called it stale and --dry-run said why', async () => {
    const before = await containerIds();
    lab.writeFile('local.conf', '[[post-config|$Q_L3_CONF_FILE]]\n[DEFAULT]\nperiodic_interval = 41\n');
    const status = JSON.parse((await lab.run(['status', '--json'])).stdout) as {
      services: { service: string; config: string }[];
    };
    assert.deepEqual(
      status.services.filter((s) => s.config === 'stale').map((s) => s.service),
      ['q-vpn'],
    );
    const dry = await lab.run(['stack', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}q-vpn\s+recreate\s+rendered l3_agent\.ini changed$/m);
    for (const service of ['mysql', 'rabbit', 'q-svc'])
      assert.match(dry.stdout, new RegExp(`^  ${service}\\s+keep\\s+up to date$`, 'm'));
    assert.match(dry.stdout, /^1 change; `lab stack` makes them$/m);
    assert.deepEqual(await containerIds(), before, 'a dry run changes nothing');
    const result = await lab.run(['stack']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}q-vpn\s+recreated/m);
    const after = await containerIds();
    assert.notEqual(after['q-vpn'], before['q-vpn']);
    for (const service of ['mysql', 'rabbit', 'q-svc'])
      assert.equal(after[service], before[service], `${service} was recreated`);
  });

  it('refuses a FLOATING_RANGE moved under a lab that is up, before anything changes, and --dry-run says so', async () => {
    const localrc = fs.readFileSync(path.join(lab.dir, 'localrc'), 'utf8');
    const before = await containerIds();
    const rendered = fs.readFileSync(path.join(lab.dir, '.lab', lab.name, 'etc', 'neutron', 'neutron.conf'), 'utf8');
    try {
      lab.writeFile('localrc', `${localrc}FLOATING_RANGE=172.24.77.0/24\n`);
      const dry = await lab.run(['stack', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(
        dry.stdout,
        new RegExp(
          `network ${lab.name}-public\\s+refuse: made with 172\\.24\\.4\\.0/24; the lab now says 172\\.24\\.77\\.0/24`,
        ),
      );
      const result = await lab.run(['stack']);
      assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
      assert.match(
        result.stderr,
        new RegExp(
          `network ${lab.name}-public: made with 172\\.24\\.4\\.0/24; the lab now says 172\\.24\\.77\\.0/24 .*FLOATING_RANGE.*set FLOATING_RANGE back, or start the lab afresh with \`lab clean\``,
        ),
      );
      assert.deepEqual(await containerIds(), before, 'no container was touched');
      assert.equal(
        fs.readFileSync(path.join(lab.dir, '.lab', lab.name, 'etc', 'neutron', 'neutron.conf'), 'utf8'),
        rendered,
        'no rendered file was rewritten',
      );
    } finally {
      lab.writeFile('localrc', localrc);
    }
  });

  it('finds the lab by label from a directory without its localrc', async () => {
    const elsewhere = scratch();
    try {
      const status = await runLab(['status', '--lab', lab.name, '--json'], { cwd: elsewhere });
      assert.equal(status.code, 0, status.stderr);
      const services = (JSON.parse(status.stdout) as { services: { service: string; config: string }[] }).services;
      assert.deepEqual(services.map((s) => s.service).sort(), [
        'mysql',
        'q-agt',
        'q-db-sync',
        'q-svc',
        'q-vpn',
        'rabbit',
      ]);
      // Without the localrc nothing says what the config should be.
      assert.ok(services.every((s) => s.config === 'unknown'));
    } finally {
      removeScratch(elsewhere);
    }
  });

  it('stops cleanly when interrupted, and the next lab stack carries on', async () => {
    const down = await lab.run(['unstack']);
    assert.equal(down.code, 0, down.stderr);
    const child = spawn(process.execPath, [packagePath('bin', 'lab.js'), 'stack'], { cwd: lab.dir, env: cleanEnv() });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // Interrupt while services start.
    const deadline = Date.now() + 60_000;
    while (!/mysql: (starting|waiting until ready)/.test(output) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, output);
    assert.match(output, /interrupted: what was started is left as it is/);
    const again = await lab.run(['stack']);
    assert.equal(again.code, 0, `${again.stdout.slice(-2000)}\n${again.stderr}`);
    assert.equal((await lab.api('/v2.0/vpn/vpnservices')).status, 200);
  });

  it('keeps a VPN IKE policy across lab unstack and lab stack', async () => {
    const created = await lab.api<{ ikepolicy: { id: string; name: string } }>('/v2.0/vpn/ikepolicies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ikepolicy: { name: 'kept-across-unstack', ike_version: 'v2' } }),
    });
    assert.equal(created.status, 201);
    const unstack = await lab.run(['unstack']);
    assert.equal(unstack.code, 0, unstack.stderr);
    assert.match(unstack.stdout, /data volumes kept/);
    assert.deepEqual(await engine.listContainers(lab.name), []);
    assert.equal((await engine.listVolumes(lab.name)).length, 1);
    const restack = await lab.run(['stack']);
    assert.equal(restack.code, 0, restack.stderr);
    const { status, body } = await lab.api<{ ikepolicy: { name: string; ike_version: string } }>(
      `/v2.0/vpn/ikepolicies/${created.body.ikepolicy.id}`,
    );
    assert.equal(status, 200);
    assert.equal(body.ikepolicy.name, 'kept-across-unstack');
    assert.equal(body.ikepolicy.ike_version, 'v2');
  });

  it("keeps the management network off FLOATING_RANGE, whichever of Docker's pools comes next", async () => {
    const down = await lab.run(['unstack']);
    assert.equal(down.code, 0, down.stderr);
    // Docker hands out its default pools in turn. Turn it to the pool just before the /16
    // that holds FLOATING_RANGE (172.24.4.0/24), so that the next network without a subnet
    // would get 172.24.0.0/16: what made lab stack fail in CI when mgmt was made first.
    const before16 = '172.23.0.0/16';
    const probe = `${lab.name}-pool-probe`;
    let turned = false;
    for (let round = 0; round < 40 && !turned; round++) {
      await engine.ensureNetwork(probe, { [LABEL.project]: lab.name });
      turned = (await engine.networkSubnets(probe)).includes(before16);
      await engine.removeNetwork(probe);
    }
    assert.ok(turned, `the engine never handed out ${before16}`);
    const up = await lab.run(['stack']);
    assert.equal(up.code, 0, `${up.stdout.slice(-2000)}\n${up.stderr}`);
    const [mgmt] = await engine.networkSubnets(`${lab.name}-mgmt`);
    assert.ok(mgmt && !overlaps(mgmt, '172.24.4.0/24'), `mgmt got ${mgmt}, which overlaps FLOATING_RANGE`);
    assert.deepEqual(await engine.networkSubnets(`${lab.name}-public`), ['172.24.4.0/24']);
  });

  it('leaves no container, network or volume with the lab label after lab clean', async () => {
    const result = await lab.run(['clean']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await engine.listContainers(lab.name), []);
    assert.deepEqual(await engine.listNetworks(lab.name), []);
    assert.deepEqual(await engine.listVolumes(lab.name), []);
    assert.match(result.stdout, /lab directory: \.\/\.lab\/\S+ removed \(\d+ files lab wrote\)/);
    assert.equal(fs.existsSync(path.join(lab.dir, '.lab')), false, 'the lab directory and its .lab parent are gone');
    assert.equal(fs.existsSync(path.join(lab.dir, 'localrc')), true);
  });
});
