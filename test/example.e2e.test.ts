// The worked example (examples/csr-driver): its service driver loads in neutron-server,
// its device driver in the VPN agent, and its tests pass against the lab's CSR simulator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../lab/paths.js';
import { csrCall } from './helpers.js';
import { createTestLab, freePort, requireEngine, type TestLab } from './e2e-helpers.js';

describe('the CSR driver example under lab stack', { timeout: 30 * 60_000 }, () => {
  let lab: TestLab;
  let csrPort: number;
  const third = 100 + ((process.pid + 37) % 100);

  before(async () => {
    await requireEngine();
    csrPort = await freePort();
    lab = await createTestLab('example', (name, port) =>
      [
        `LAB_NAME=${name}`,
        `Q_PORT=${port}`,
        `CSR_PORT=${csrPort}`,
        `FLOATING_RANGE=172.24.${third}.0/24`,
        `STRONGSWAN_IP=172.24.${third}.10`,
        'ENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn,strongswan,csr',
        'SCREEN_LOGDIR=./logs',
        '',
      ].join('\n'),
    );
    // The example's own local.conf, with this run's name and ports in its [[local|localrc]]
    // (a plain localrc beside it would win over that section), beside a copy of the package.
    fs.cpSync(packagePath('examples', 'csr-driver'), path.join(lab.dir, 'csr-driver'), { recursive: true });
    const ours = fs.readFileSync(path.join(lab.dir, 'localrc'), 'utf8');
    fs.rmSync(path.join(lab.dir, 'localrc'));
    const conf = fs
      .readFileSync(path.join(lab.dir, 'csr-driver', 'local.conf'), 'utf8')
      .replace(/^LAB_NAME=.*$/m, ours.trim())
      .replace('enable_plugin lab-csr-driver ./', 'enable_plugin lab-csr-driver ./csr-driver');
    lab.writeFile('local.conf', conf);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 0, `${stack.stdout.slice(-3000)}\n${stack.stderr}`);
  });
  after(async () => {
    await lab?.dispose();
  });

  it('lists its provider in /v2.0/service-providers and loads its device driver', async () => {
    const { body } = await lab.api<{ service_providers: { service_type: string; name: string; default: boolean }[] }>(
      '/v2.0/service-providers',
    );
    assert.deepEqual(
      body.service_providers.filter((p) => p.service_type === 'VPN'),
      [{ service_type: 'VPN', name: 'labcsr', default: true }],
    );
    const agent = fs.readFileSync(path.join(lab.dir, 'logs', 'screen-q-vpn.log'), 'utf8');
    assert.match(agent, /Loaded VPNaaS device driver: lab_csr_driver\.device_driver\.LabCsrIPsecDriver/);
    assert.match(agent, /lab CSR device driver ready on host q-vpn, CSR at https:\/\/csr:55443\/api\/v1/);
    assert.match(
      fs.readFileSync(path.join(lab.dir, 'logs', 'screen-q-svc.log'), 'utf8'),
      /lab CSR service driver loaded; agent topic lab_csr_ipsec_agent/,
    );
    assert.equal((await lab.run(['check'])).code, 0);
  });

  it('lab vpn demo --driver csr: the device driver configures the simulator, its session comes UP, Neutron says ACTIVE', async () => {
    const basic = 'stack:csr-lab-password';
    const state = async () =>
      (await csrCall(csrPort, 'GET', '/lab/state', { basic })).body as Record<string, Record<string, unknown>> & {
        sessions: { status: string }[];
      };
    const demo = await lab.run(['vpn', 'demo', '--driver', 'csr', '--json']);
    assert.equal(demo.code, 0, `${demo.stdout}\n${demo.stderr}`);
    assert.match(demo.stdout, /connection ACTIVE, service ACTIVE/);
    assert.match(
      demo.stdout,
      /CSR simulator: 1 keyring, 1 IKE policy, 1 IPsec policy, 1 tunnel, 1 route; sessions: Tunnel\d+ UP-ACTIVE/,
    );
    const result = JSON.parse(demo.stdout.slice(demo.stdout.indexOf('\n{') + 1)) as { activeAfterMs: number };
    console.log(`# CSR: ACTIVE ${(result.activeAfterMs / 1000).toFixed(1)} s after the connection was created`);
    const configured = await state();
    for (const part of ['keyrings', 'ikePolicies', 'ipsecPolicies', 'tunnels', 'routes'])
      assert.equal(Object.keys(configured[part] ?? {}).length, 1, `${part}: ${JSON.stringify(configured[part])}`);
    assert.match(JSON.stringify(configured.keyrings), new RegExp(`"peer-address":"172\\.24\\.${third}\\.10"`));
    assert.match(JSON.stringify(configured.routes), /10\.2\.0\.0/);
    assert.deepEqual(
      configured.sessions.map((s) => s.status),
      ['UP-ACTIVE'],
    );
    const listed = await lab.run([
      'openstack',
      'vpn',
      'ipsec',
      'site',
      'connection',
      'list',
      '-f',
      'value',
      '-c',
      'Name',
      '-c',
      'Status',
    ]);
    assert.equal(listed.stdout.trim(), 'lab-demo-conn ACTIVE');

    // Deleting the connection removes what the device driver made on the device.
    const deleted = await lab.run(['vpn', 'demo', '--delete']);
    assert.equal(deleted.code, 0, deleted.stderr);
    let after = await state();
    for (let i = 0; i < 30 && Object.keys(after.tunnels ?? {}).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      after = await state();
    }
    for (const part of ['keyrings', 'ikePolicies', 'ipsecPolicies', 'tunnels', 'routes'])
      assert.deepEqual(after[part], {}, `${part} left on the simulator`);
    assert.deepEqual(after.sessions, []);
  });

  it('names a service driver and device driver that are not a pair when VPN resources stay pending (9)', async () => {
    // The example's service driver with the in-tree strongSwan device driver: they never meet.
    const conf = path.join(lab.dir, 'local.conf');
    fs.writeFileSync(
      conf,
      fs
        .readFileSync(conf, 'utf8')
        .replace(
          /^NEUTRON_VPNAAS_DEVICE_DRIVER=.*$/m,
          'NEUTRON_VPNAAS_DEVICE_DRIVER=neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver',
        ),
    );
    assert.equal((await lab.run(['restart', 'q-vpn'])).code, 0);
    const post = async <T>(resource: string, body: unknown) => {
      const answer = await lab.api<T>(`/v2.0/${resource}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(answer.status, 201, `POST ${resource}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const [router] = (await lab.api<{ routers: { id: string }[] }>('/v2.0/routers?name=router1')).body.routers;
    const [subnet] = (await lab.api<{ subnets: { id: string }[] }>('/v2.0/subnets?name=private-subnet')).body.subnets;
    assert.ok(router && subnet, 'lab stack made router1 and private-subnet');
    const service = await post<{ vpnservice: { status: string } }>('vpn/vpnservices', {
      vpnservice: { name: 'stuck', router_id: router.id, subnet_id: subnet.id },
    });
    assert.equal(service.vpnservice.status, 'PENDING_CREATE');
    const result = await lab.run(['check', '--json']);
    assert.equal(result.code, 1);
    const pending = (
      JSON.parse(result.stdout) as { checks: { id: string; ok: boolean; evidence: string[]; fix?: string }[] }
    ).checks.find((c) => c.id === 'pending');
    assert.equal(pending?.ok, false);
    assert.match(
      pending?.evidence.join('\n') ?? '',
      /vpnservices stuck: PENDING_CREATE[\s\S]*service driver lab_csr_driver\.service_driver\.LabCsrIPsecVPNDriver and device driver neutron_vpnaas\.services\.vpn\.device_drivers\.strongswan_ipsec\.StrongSwanDriver are not a pair/,
    );
    assert.match(
      pending?.fix ?? '',
      /make the two drivers a pair: NEUTRON_VPNAAS_SERVICE_PROVIDER at .*; then lab restart q-svc q-vpn/,
    );
  });

  it('passes its own tests, against the CSR simulator', async () => {
    const result = await lab.run([
      'exec',
      'q-vpn',
      'env',
      'LAB_CSR_PASSWORD=csr-lab-password',
      'python3',
      '-m',
      'unittest',
      'discover',
      '-v',
      '-s',
      '/opt/lab/plugins/lab-csr-driver/tests',
      '-t',
      '/opt/lab/plugins/lab-csr-driver',
    ]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /Ran 7 tests in [\d.]+s\s+OK/);
  });
});
