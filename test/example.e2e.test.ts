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

  it('passes its own tests, against the CSR simulator', async () => {
    const result = await lab.run(['exec', 'q-vpn', 'env', 'LAB_CSR_PASSWORD=csr-lab-password', 'python3', '-m', 'unittest', 'discover', '-v', '-s', '/opt/lab/plugins/lab-csr-driver/tests', '-t', '/opt/lab/plugins/lab-csr-driver']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /Ran 7 tests in [\d.]+s\s+OK/);
  });
});
