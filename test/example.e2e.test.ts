// The worked example (examples/csr-driver): its service driver loads in neutron-server,
// its device driver in the VPN agent, and its tests pass against the lab's CSR simulator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../lab/paths.js';
import { createTestLab, freePort, requireEngine, type TestLab } from './e2e-helpers.js';

describe('the CSR driver example under lab stack', { timeout: 30 * 60_000 }, () => {
  let lab: TestLab;
  const third = 100 + ((process.pid + 37) % 100);

  before(async () => {
    await requireEngine();
    const csrPort = await freePort();
    lab = await createTestLab('example', (name, port) =>
      [`LAB_NAME=${name}`, `Q_PORT=${port}`, `CSR_PORT=${csrPort}`, `FLOATING_RANGE=172.24.${third}.0/24`, `STRONGSWAN_IP=172.24.${third}.10`, 'ENABLED_SERVICES=mysql,rabbit,q-svc,q-vpn,csr', 'SCREEN_LOGDIR=./logs', ''].join('\n'),
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
    const { body } = await lab.api<{ service_providers: { service_type: string; name: string; default: boolean }[] }>('/v2.0/service-providers');
    assert.deepEqual(body.service_providers.filter((p) => p.service_type === 'VPN'), [{ service_type: 'VPN', name: 'labcsr', default: true }]);
    const agent = fs.readFileSync(path.join(lab.dir, 'logs', 'screen-q-vpn.log'), 'utf8');
    assert.match(agent, /Loaded VPNaaS device driver: lab_csr_driver\.device_driver\.LabCsrIPsecDriver/);
    assert.match(agent, /lab CSR device driver ready on host q-vpn, CSR at https:\/\/csr:55443\/api\/v1/);
    assert.match(fs.readFileSync(path.join(lab.dir, 'logs', 'screen-q-svc.log'), 'utf8'), /lab CSR service driver loaded; agent topic lab_csr_ipsec_agent/);
    assert.equal((await lab.run(['check'])).code, 0);
  });

  it('names a service driver and device driver that are not a pair when VPN resources stay pending (9)', async () => {
    // The example's service driver with the in-tree strongSwan device driver: they never meet.
    const conf = path.join(lab.dir, 'local.conf');
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^NEUTRON_VPNAAS_DEVICE_DRIVER=.*$/m, 'NEUTRON_VPNAAS_DEVICE_DRIVER=neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver'));
    assert.equal((await lab.run(['restart', 'q-vpn'])).code, 0);
    const post = async <T>(resource: string, body: unknown) => {
      const answer = await lab.api<T>(`/v2.0/${resource}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(answer.status, 201, `POST ${resource}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const project = { tenant_id: 'lab-test' };
    const pub = await post<{ network: { id: string } }>('networks', { network: { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public', ...project } });
    await post('subnets', { subnet: { network_id: pub.network.id, cidr: '198.51.100.0/24', ip_version: 4, enable_dhcp: false, ...project } });
    const priv = await post<{ network: { id: string } }>('networks', { network: { name: 'private', ...project } });
    const subnet = await post<{ subnet: { id: string } }>('subnets', { subnet: { network_id: priv.network.id, cidr: '10.0.0.0/24', ip_version: 4, ...project } });
    const router = await post<{ router: { id: string } }>('routers', { router: { name: 'r1', external_gateway_info: { network_id: pub.network.id }, ...project } });
    const add = await lab.api(`/v2.0/routers/${router.router.id}/add_router_interface`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subnet_id: subnet.subnet.id }) });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const service = await post<{ vpnservice: { status: string } }>('vpn/vpnservices', { vpnservice: { name: 'stuck', router_id: router.router.id, subnet_id: subnet.subnet.id, ...project } });
    assert.equal(service.vpnservice.status, 'PENDING_CREATE');
    const result = await lab.run(['check', '--json']);
    assert.equal(result.code, 1);
    const pending = (JSON.parse(result.stdout) as { checks: { id: string; ok: boolean; evidence: string[]; fix?: string }[] }).checks.find((c) => c.id === 'pending');
    assert.equal(pending?.ok, false);
    assert.match(pending?.evidence.join('\n') ?? '', /vpnservices stuck: PENDING_CREATE[\s\S]*service driver lab_csr_driver\.service_driver\.LabCsrIPsecVPNDriver and device driver neutron_vpnaas\.services\.vpn\.device_drivers\.strongswan_ipsec\.StrongSwanDriver are not a pair/);
    assert.match(pending?.fix ?? '', /make the two drivers a pair: NEUTRON_VPNAAS_SERVICE_PROVIDER at .*; then lab restart q-svc q-vpn/);
  });

  it('passes its own tests, against the CSR simulator', async () => {
    const result = await lab.run(['exec', 'q-vpn', 'env', 'LAB_CSR_PASSWORD=csr-lab-password', 'python3', '-m', 'unittest', 'discover', '-v', '-s', '/opt/lab/plugins/lab-csr-driver/tests', '-t', '/opt/lab/plugins/lab-csr-driver']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /Ran 7 tests in [\d.]+s\s+OK/);
  });
});
