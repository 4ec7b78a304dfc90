// The CSR 1000v simulator over real TLS with a real HTTP client, walked through what the
// Cisco driver did: log in, create a connection (keyring, IKE policy, IPsec policy,
// site-to-site, static routes), watch its session, disable it, delete in reverse.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSimulator } from '../lab/csr/server.js';
import { csrCall, removeScratch, scratch, type CsrReply } from './helpers.js';

const dir = scratch();
after(() => removeScratch(dir));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
const key = fs.readFileSync(path.join(dir, 'key.pem'));

let clock = 1_000_000;
const logs: string[] = [];

function start(stateFile = path.join(dir, 'state.json')) {
  const sim = createSimulator({ username: 'stack', password: 'cisco', tokenLifetimeMs: 60_000, negotiationMs: 5_000, stateFile, key, cert, log: (l) => logs.push(l), now: () => clock });
  return new Promise<{ port: number; close: () => Promise<void> }>((resolve) => {
    sim.server.listen(0, '127.0.0.1', () => resolve({ port: (sim.server.address() as AddressInfo).port, close: () => new Promise((r) => sim.server.close(() => r())) }));
  });
}

function call(port: number, method: string, pathname: string, options: { token?: string; body?: unknown; basic?: string } = {}): Promise<CsrReply> {
  // The certificate is verified (ca), unlike the Cisco client, which did not check it.
  return csrCall(port, method, pathname, { ...options, ca: cert });
}

describe('the CSR simulator', () => {
  let port: number;
  let close: () => Promise<void>;
  let token: string;
  const api = (method: string, resource: string, body?: unknown) => call(port, method, `/api/v1/${resource}`, { token, body });

  before(async () => {
    ({ port, close } = await start());
  });
  after(async () => close());

  it('gives a token for the right credentials and 401 for wrong ones or none', async () => {
    assert.equal((await call(port, 'POST', '/api/v1/auth/token-services', { basic: 'stack:wrong' })).status, 401);
    assert.equal((await call(port, 'POST', '/api/v1/auth/token-services')).status, 401);
    const login = await call(port, 'POST', '/api/v1/auth/token-services', { basic: 'stack:cisco' });
    assert.equal(login.status, 200);
    assert.equal(login.body?.kind, 'object#auth-token');
    token = String(login.body?.['token-id']);
    assert.ok(token.length >= 16);
    assert.equal((await call(port, 'GET', '/api/v1/vpn-svc/ike/policies/1')).status, 401, 'no token');
    assert.equal((await call(port, 'GET', '/api/v1/vpn-svc/ike/policies/1', { token: 'forged' })).status, 401);
  });

  it('creates a site-to-site connection as the driver does, each step 201 with its Location', async () => {
    const steps: [string, unknown, string][] = [
      ['vpn-svc/ike/keyrings', { 'keyring-name': '5f7ca4f3-connection', 'pre-shared-key-list': [{ key: 'secret-psk', encrypted: false, 'peer-address': '10.10.10.20/24' }] }, 'vpn-svc/ike/keyrings/5f7ca4f3-connection'],
      ['vpn-svc/ike/policies', { 'priority-id': '2', version: 'v1', 'local-auth-method': 'pre-share', encryption: 'aes256', hash: 'sha', dhGroup: 5, lifetime: 3600 }, 'vpn-svc/ike/policies/2'],
      ['vpn-svc/ipsec/policies', { 'policy-id': '8', mode: 'tunnel', 'protection-suite': { 'esp-encryption': 'esp-aes', 'esp-authentication': 'esp-sha-hmac' }, 'lifetime-sec': 120, pfs: 'group5', 'anti-replay-window-size': 'disable' }, 'vpn-svc/ipsec/policies/8'],
      ['vpn-svc/site-to-site', { 'vpn-interface-name': 'Tunnel8', 'ipsec-policy-id': '8', 'remote-device': { 'tunnel-ip-address': '10.10.10.20' }, 'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' }, mtu: 1500 }, 'vpn-svc/site-to-site/Tunnel8'],
      ['routing-svc/static-routes', { 'destination-network': '10.1.0.0/24', 'outgoing-interface': 'Tunnel8' }, 'routing-svc/static-routes/10.1.0.0_24_Tunnel8'],
      ['routing-svc/static-routes', { 'destination-network': '10.2.0.0/24', 'outgoing-interface': 'Tunnel8' }, 'routing-svc/static-routes/10.2.0.0_24_Tunnel8'],
    ];
    for (const [resource, body, location] of steps) {
      const reply = await api('POST', resource, body);
      assert.equal(reply.status, 201, `${resource}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.location, `https://127.0.0.1:${port}/api/v1/${location}`);
    }
  });

  it('reads each resource back in the device\'s shape, with its defaults', async () => {
    assert.deepEqual((await api('GET', 'vpn-svc/ike/keyrings/5f7ca4f3-connection')).body, {
      kind: 'object#ike-keyring',
      'keyring-name': '5f7ca4f3-connection',
      'pre-shared-key-list': [{ key: 'secret-psk', encrypted: false, 'peer-address': '10.10.10.20 255.255.255.0' }],
    });
    const ipsec = (await api('GET', 'vpn-svc/ipsec/policies/8')).body;
    assert.equal(ipsec?.kind, 'object#ipsec-policy');
    assert.equal(ipsec?.['anti-replay-window-size'], 'Disable');
    assert.equal(ipsec?.['lifetime-kb'], 4608000);
    assert.equal(ipsec?.['idle-time'], null);
    assert.equal((await api('POST', 'vpn-svc/ike/policies', { 'priority-id': '3' })).status, 201);
    assert.deepEqual((await api('GET', 'vpn-svc/ike/policies/3')).body, { kind: 'object#ike-policy', 'priority-id': '3', version: 'v1', 'local-auth-method': 'pre-share', encryption: 'des', hash: 'sha', dhGroup: 1, lifetime: 86400 });
    const tunnel = (await api('GET', 'vpn-svc/site-to-site/Tunnel8')).body;
    assert.equal(tunnel?.kind, 'object#vpn-site-to-site');
    assert.equal(tunnel?.['ike-profile-id'], null);
    assert.deepEqual((await api('GET', 'vpn-svc/site-to-site/Tunnel8/state')).body, { kind: 'object#vpn-site-to-site-state', 'vpn-interface-name': 'Tunnel8', 'line-protocol-state': 'up', enabled: true });
    assert.equal((await api('GET', 'routing-svc/static-routes/10.1.0.0_24_Tunnel8')).body?.kind, 'object#static-route');
  });

  it('reports the session negotiating, then up, and down when admin-disabled', async () => {
    const status = async () => ((await api('GET', 'vpn-svc/site-to-site/active/sessions')).body?.items as { status: string }[])[0]?.status;
    assert.equal(await status(), 'DOWN-NEGOTIATING');
    clock += 6_000;
    assert.equal(await status(), 'UP-ACTIVE');
    assert.equal((await api('PUT', 'vpn-svc/site-to-site/Tunnel8/state', { 'vpn-interface-name': 'Tunnel8', enabled: false })).status, 204);
    assert.equal(await status(), 'DOWN');
    assert.equal((await api('GET', 'vpn-svc/site-to-site/Tunnel8/state')).body?.enabled, false);
    assert.equal((await api('PUT', 'vpn-svc/site-to-site/Tunnel8/state', { 'vpn-interface-name': 'Tunnel8', enabled: true })).status, 204);
    assert.equal(await status(), 'DOWN-NEGOTIATING');
  });

  it('refuses a duplicate POST, out-of-range values, a missing policy, and logs the reason', async () => {
    const duplicate = await api('POST', 'vpn-svc/ike/policies', { 'priority-id': '2' });
    assert.equal(duplicate.status, 400);
    assert.equal(duplicate.body?.['error-message'], 'policy 2 exist, not allow to update policy using POST method');
    assert.equal(duplicate.body?.['error-code'], -1);
    assert.equal((await api('POST', 'vpn-svc/ike/policies', { 'priority-id': '9', lifetime: 59 })).status, 400);
    assert.equal((await api('POST', 'vpn-svc/ipsec/policies', { 'policy-id': '9', 'lifetime-sec': 119 })).status, 400);
    const mtu = await api('POST', 'vpn-svc/site-to-site', { 'vpn-interface-name': 'Tunnel9', 'ipsec-policy-id': '8', 'remote-device': { 'tunnel-ip-address': '10.10.10.20' }, 'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' }, mtu: 9193 });
    assert.equal(mtu.status, 400);
    assert.match(String(mtu.body?.['error-message']), /mtu 9193 is out of range/);
    const missing = await api('POST', 'vpn-svc/site-to-site', { 'vpn-interface-name': 'Tunnel9', 'ipsec-policy-id': '77', 'remote-device': { 'tunnel-ip-address': '10.10.10.20' }, 'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' } });
    assert.equal(missing.status, 400);
    assert.match(String(missing.body?.['error-message']), /IPsec policy "77" does not exist/);
    assert.equal((await api('POST', 'vpn-svc/site-to-site', { 'vpn-interface-name': 'Tunnel9', 'ipsec-policy-id': '8', 'remote-device': { 'tunnel-ip-address': '10.10.10.300' }, 'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' } })).status, 400);
    assert.equal((await api('POST', 'vpn-svc/ike/keyrings', { 'keyring-name': 'k', 'pre-shared-key-list': [{ key: 'x', 'peer-address': 'not-an-ip' }] })).status, 400);
    assert.ok(logs.some((l) => /^POST \/api\/v1\/vpn-svc\/ike\/policies 400 \d+ms rejected: policy 2 exist/.test(l)));
    assert.ok(logs.every((l) => !l.includes('secret-psk')), 'a pre-shared key reached the log');
    assert.ok(logs.some((l) => /^POST \/api\/v1\/vpn-svc\/ike\/keyrings 400 .*"key":"\*{8}"/.test(l)));
  });

  it('answers 404 for unknown ids, on GET and DELETE', async () => {
    assert.equal((await api('GET', 'vpn-svc/ike/policies/1999')).status, 404);
    assert.equal((await api('GET', 'vpn-svc/site-to-site/Tunnel77')).status, 404);
    const gone = await api('DELETE', 'vpn-svc/ipsec/policies/1999');
    assert.equal(gone.status, 404);
    assert.equal(gone.body?.['error-code'], -1);
  });

  it('configures the IKE keepalive, 404 until then', async () => {
    assert.equal((await api('GET', 'vpn-svc/ike/keepalive')).status, 404);
    assert.equal((await api('PUT', 'vpn-svc/ike/keepalive', { interval: 60, retry: 4, periodic: true })).status, 204);
    assert.deepEqual((await api('GET', 'vpn-svc/ike/keepalive')).body, { kind: 'object#ike-keepalive', interval: 60, retry: 4, periodic: true });
  });

  it('keeps its state across a restart, and shows it at /lab/state', async () => {
    await close();
    ({ port, close } = await start());
    assert.equal((await api('GET', 'vpn-svc/ike/policies/2')).status, 401, 'tokens do not survive a restart');
    token = String((await call(port, 'POST', '/api/v1/auth/token-services', { basic: 'stack:cisco' })).body?.['token-id']);
    assert.equal((await api('GET', 'vpn-svc/ike/policies/2')).body?.encryption, 'aes256');
    assert.equal((await call(port, 'GET', '/lab/state')).status, 401);
    const dump = await call(port, 'GET', '/lab/state', { basic: 'stack:cisco' });
    assert.deepEqual(Object.keys((dump.body?.tunnels ?? {}) as object), ['Tunnel8']);
    assert.equal((await call(port, 'GET', '/lab/health')).status, 200);
  });

  it('deletes in reverse order, 204 each; a policy in use is refused first', async () => {
    assert.equal((await api('DELETE', 'vpn-svc/ipsec/policies/8')).status, 400, 'the tunnel still uses it');
    for (const resource of ['routing-svc/static-routes/10.2.0.0_24_Tunnel8', 'routing-svc/static-routes/10.1.0.0_24_Tunnel8', 'vpn-svc/site-to-site/Tunnel8', 'vpn-svc/ipsec/policies/8', 'vpn-svc/ike/policies/2', 'vpn-svc/ike/keyrings/5f7ca4f3-connection']) {
      assert.equal((await api('DELETE', resource)).status, 204, resource);
      assert.equal((await api('GET', resource)).status, 404, resource);
    }
    assert.deepEqual((await api('GET', 'vpn-svc/site-to-site/active/sessions')).body, { kind: 'collection#vpn-active-sessions', items: [] });
  });

  it('expires an idle token; logging in again works', async () => {
    clock += 61_000;
    assert.equal((await api('GET', 'vpn-svc/ike/policies/3')).status, 401);
    token = String((await call(port, 'POST', '/api/v1/auth/token-services', { basic: 'stack:cisco' })).body?.['token-id']);
    assert.equal((await api('GET', 'vpn-svc/ike/policies/3')).status, 200);
  });
});
