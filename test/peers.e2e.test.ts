// The VPN peers under `lab stack`, against the real engine: a strongSwan gateway that
// answers IKE, and the CSR simulator over HTTPS on its published port.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../lab/engine.js';
import { LABEL } from '../lab/labels.js';
import { createTestLab, freePort, requireEngine, type TestLab } from './e2e-helpers.js';
import { csrCall } from './helpers.js';

// Like the Cisco client: the lab's certificate is self-signed and not verified.
const csr = csrCall;

describe('the VPN peers under lab stack', { timeout: 30 * 60_000 }, () => {
  let engine: Engine;
  let lab: TestLab;
  let csrPort: number;
  // A public range of its own, so that this lab does not collide with one already up.
  const third = 100 + (process.pid % 100);
  const publicRange = `172.24.${third}.0/24`;
  const peerIp = `172.24.${third}.10`;
  const secret = (name: string) =>
    new RegExp(`^${name}=(.*)$`, 'm').exec(
      fs.readFileSync(path.join(lab.dir, '.lab', lab.name, 'passwords'), 'utf8'),
    )?.[1] ?? '';

  before(async () => {
    engine = await requireEngine();
    csrPort = await freePort();
    lab = await createTestLab('peers', (name, port) =>
      [
        `LAB_NAME=${name}`,
        `Q_PORT=${port}`,
        `CSR_PORT=${csrPort}`,
        `FLOATING_RANGE=${publicRange}`,
        `STRONGSWAN_IP=${peerIp}`,
        'ENABLED_SERVICES=strongswan,csr',
        '',
      ].join('\n'),
    );
    const result = await lab.run(['stack']);
    assert.equal(result.code, 0, `lab stack failed:\n${result.stdout.slice(-3000)}\n${result.stderr}`);
  });
  after(async () => {
    await lab?.dispose();
  });

  it('shows strongswan and csr healthy in lab status', async () => {
    const status = JSON.parse((await lab.run(['status', '--json'])).stdout) as {
      services: { service: string; health?: string; config: string }[];
    };
    for (const service of ['strongswan', 'csr']) {
      const entry = status.services.find((s) => s.service === service);
      assert.equal(entry?.health, 'healthy', service);
      assert.equal(entry?.config, 'current', service);
    }
  });

  it('has the strongSwan connection loaded, shown through lab exec with its exit code', async () => {
    const conns = await lab.run(['exec', 'strongswan', 'swanctl', '--list-conns']);
    assert.equal(conns.code, 0, conns.stderr);
    assert.match(conns.stdout, /^lab-peer: IKEv1/m);
    assert.match(conns.stdout, new RegExp(`id: ${peerIp.replace(/\./g, '\\.')}`));
    assert.match(conns.stdout, /local: {2}10\.2\.0\.0\/24\n\s+remote: 10\.0\.0\.0\/24/);
    assert.equal((await lab.run(['exec', 'strongswan', 'sh', '-c', 'exit 3'])).code, 3);
  });

  it('establishes an IKE SA with an initiator from a throw-away strongSwan container', async () => {
    const peer = (await engine.listContainers(lab.name)).find((c) => c.service === 'strongswan');
    assert.ok(peer);
    const initiatorIp = `172.24.${third}.20`;
    const id = await engine.createContainer({
      name: `${lab.name}-initiator`,
      Image: peer.image,
      Labels: { [LABEL.project]: lab.name, [LABEL.service]: 'initiator' },
      Env: [
        `STRONGSWAN_LOCAL_SUBNET=10.0.0.0/24`,
        `STRONGSWAN_REMOTE_SUBNET=10.2.0.0/24`,
        `STRONGSWAN_REMOTE_ADDRS=${peerIp}`,
        `STRONGSWAN_LOCAL_ID=${initiatorIp}`,
        `STRONGSWAN_PSK=${secret('STRONGSWAN_PSK')}`,
      ],
      HostConfig: {
        CapAdd: ['NET_ADMIN'],
        Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
        NetworkMode: `${lab.name}-public`,
      },
      NetworkingConfig: { EndpointsConfig: { [`${lab.name}-public`]: { IPAMConfig: { IPv4Address: initiatorIp } } } },
    });
    await engine.startContainer(id);
    try {
      for (
        let i = 0;
        i < 50 && (await engine.exec(id, ['swanctl', '--list-conns'])).output.indexOf('lab-peer:') < 0;
        i++
      )
        await new Promise((r) => setTimeout(r, 200));
      const initiate = await engine.exec(id, ['swanctl', '--initiate', '--child', 'lab-peer', '--timeout', '20']);
      assert.equal(initiate.exitCode, 0, initiate.output);
      const sas = await lab.run(['exec', 'strongswan', 'swanctl', '--list-sas']);
      assert.match(sas.stdout, /lab-peer: #\d+, ESTABLISHED, IKEv1/);
      assert.match(
        sas.stdout,
        new RegExp(`remote '${initiatorIp.replace(/\./g, '\\.')}' @ ${initiatorIp.replace(/\./g, '\\.')}`),
      );
      assert.match(sas.stdout, /INSTALLED, TUNNEL/);
    } finally {
      await engine.removeContainer(id);
    }
  });

  it('gives a token on 127.0.0.1:$CSR_PORT that creates an IKE policy, 201 with Location, read back', async () => {
    const login = await csr(csrPort, 'POST', '/api/v1/auth/token-services', {
      basic: `stack:${secret('CSR_PASSWORD')}`,
    });
    assert.equal(login.status, 200);
    const token = String(login.body?.['token-id']);
    const created = await csr(csrPort, 'POST', '/api/v1/vpn-svc/ike/policies', {
      token,
      body: { 'priority-id': '2', encryption: 'aes256', dhGroup: 5, lifetime: 3600 },
    });
    assert.equal(created.status, 201);
    assert.equal(created.location, `https://127.0.0.1:${csrPort}/api/v1/vpn-svc/ike/policies/2`);
    const read = await csr(csrPort, 'GET', '/api/v1/vpn-svc/ike/policies/2', { token });
    assert.equal(read.body?.encryption, 'aes256');
    assert.equal((await csr(csrPort, 'POST', '/api/v1/auth/token-services', { basic: 'stack:wrong' })).status, 401);
  });

  it('refuses a second lab on the same FLOATING_RANGE before making anything, naming the lab that holds it and a free range', async () => {
    const other = await createTestLab('peersbis', (name, port) =>
      [`LAB_NAME=${name}`, `Q_PORT=${port}`, `FLOATING_RANGE=${publicRange}`, 'ENABLED_SERVICES=strongswan', ''].join(
        '\n',
      ),
    );
    try {
      const refused = await other.run(['stack']);
      assert.equal(refused.code, 1, refused.stdout);
      const said = `${refused.stdout}\n${refused.stderr}`;
      assert.match(
        said,
        new RegExp(
          `the Docker network ${lab.name}-public \\(lab "${lab.name}"\\) uses ${publicRange.replace(/\./g, '\\.')}`,
        ),
      );
      assert.match(said, new RegExp(`lab unstack --lab ${lab.name}`));
      const suggested = /write FLOATING_RANGE=(\S+) in localrc/.exec(said)?.[1];
      assert.ok(suggested, said);
      assert.deepEqual(await engine.listContainers(other.name), []);
      assert.deepEqual(await engine.listNetworks(other.name), []);
      // The suggestion works as it stands: STRONGSWAN_IP follows the new range.
      other.writeFile(
        'localrc',
        `${fs.readFileSync(path.join(other.dir, 'localrc'), 'utf8').replace(publicRange, suggested)}`,
      );
      const moved = await other.run(['stack']);
      assert.equal(moved.code, 0, `${moved.stdout.slice(-2000)}\n${moved.stderr}`);
      const peer = (await engine.listContainers(other.name)).find((c) => c.service === 'strongswan');
      const conns = await other.run(['exec', 'strongswan', 'swanctl', '--list-conns']);
      assert.ok(peer);
      assert.match(conns.stdout, new RegExp(`id: ${suggested.replace(/0\/24$/, '10').replace(/\./g, '\\.')}`));
    } finally {
      await other.dispose();
    }
  });

  it('keeps the CSR state across lab restart csr, and lab logs csr shows the requests', async () => {
    const restart = await lab.run(['restart', 'csr']);
    assert.equal(restart.code, 0, restart.stderr);
    const token = String(
      (await csr(csrPort, 'POST', '/api/v1/auth/token-services', { basic: `stack:${secret('CSR_PASSWORD')}` })).body?.[
        'token-id'
      ],
    );
    assert.equal((await csr(csrPort, 'GET', '/api/v1/vpn-svc/ike/policies/2', { token })).body?.lifetime, 3600);
    const logs = await lab.run(['logs', 'csr']);
    assert.match(logs.stdout, /^csr POST \/api\/v1\/vpn-svc\/ike\/policies 201 \d+ms$/m);
    assert.match(logs.stdout, /^csr POST \/api\/v1\/auth\/token-services 401 \d+ms rejected: authentication failed/m);
  });

  it('wipes the CSR state with lab clean', async () => {
    const clean = await lab.run(['clean']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, new RegExp(`volumes removed: .*${lab.name}-csr-state`));
    assert.deepEqual(await engine.listVolumes(lab.name), []);
  });
});
