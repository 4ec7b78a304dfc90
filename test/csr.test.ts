// The CSR 1000v simulator over real TLS with a real HTTP client, walked through what the
// Cisco driver did: log in, create a connection (keyring, IKE policy, IPsec policy,
// site-to-site, static routes), watch its session, disable it, delete in reverse.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { createSimulator, type SimulatorOptions } from '../lab/csr/server.js';
import { csrCall, removeScratch, scratch, selfSignedCert, type CsrReply } from './helpers.js';

const dir = scratch();
after(() => removeScratch(dir));
selfSignedCert(dir);
const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
const key = fs.readFileSync(path.join(dir, 'key.pem'));

let clock = 1_000_000;
const logs: string[] = [];

type Simulator = ReturnType<typeof createSimulator>;

function start(
  stateFile: string | undefined = path.join(dir, 'state.json'),
  overrides: Partial<SimulatorOptions> = {},
) {
  const sim = createSimulator({
    username: 'stack',
    password: 'cisco',
    tokenLifetimeMs: 60_000,
    negotiationMs: 5_000,
    stateFile,
    key,
    cert,
    log: (l) => logs.push(l),
    now: () => clock,
    ...overrides,
  });
  return new Promise<{ port: number; close: () => Promise<void>; sim: Simulator }>((resolve) => {
    sim.server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (sim.server.address() as AddressInfo).port,
        close: () => new Promise((r) => sim.server.close(() => r())),
        sim,
      }),
    );
  });
}

function call(
  port: number,
  method: string,
  pathname: string,
  options: { token?: string; body?: unknown; basic?: string } = {},
): Promise<CsrReply> {
  // The certificate is verified (ca), unlike the Cisco client, which did not check it.
  return csrCall(port, method, pathname, { ...options, ca: cert });
}

describe('the CSR simulator', () => {
  let port: number;
  let close: () => Promise<void>;
  let token: string;
  const api = (method: string, resource: string, body?: unknown) =>
    call(port, method, `/api/v1/${resource}`, { token, body });

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
      [
        'vpn-svc/ike/keyrings',
        {
          'keyring-name': '5f7ca4f3-connection',
          'pre-shared-key-list': [{ key: 'secret-psk', encrypted: false, 'peer-address': '10.10.10.20/24' }],
        },
        'vpn-svc/ike/keyrings/5f7ca4f3-connection',
      ],
      [
        'vpn-svc/ike/policies',
        {
          'priority-id': '2',
          version: 'v1',
          'local-auth-method': 'pre-share',
          encryption: 'aes256',
          hash: 'sha',
          dhGroup: 5,
          lifetime: 3600,
        },
        'vpn-svc/ike/policies/2',
      ],
      [
        'vpn-svc/ipsec/policies',
        {
          'policy-id': '8',
          mode: 'tunnel',
          'protection-suite': { 'esp-encryption': 'esp-aes', 'esp-authentication': 'esp-sha-hmac' },
          'lifetime-sec': 120,
          pfs: 'group5',
          'anti-replay-window-size': 'disable',
        },
        'vpn-svc/ipsec/policies/8',
      ],
      [
        'vpn-svc/site-to-site',
        {
          'vpn-interface-name': 'Tunnel8',
          'ipsec-policy-id': '8',
          'remote-device': { 'tunnel-ip-address': '10.10.10.20' },
          'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' },
          mtu: 1500,
        },
        'vpn-svc/site-to-site/Tunnel8',
      ],
      [
        'routing-svc/static-routes',
        { 'destination-network': '10.1.0.0/24', 'outgoing-interface': 'Tunnel8' },
        'routing-svc/static-routes/10.1.0.0_24_Tunnel8',
      ],
      [
        'routing-svc/static-routes',
        { 'destination-network': '10.2.0.0/24', 'outgoing-interface': 'Tunnel8' },
        'routing-svc/static-routes/10.2.0.0_24_Tunnel8',
      ],
    ];
    for (const [resource, body, location] of steps) {
      const reply = await api('POST', resource, body);
      assert.equal(reply.status, 201, `${resource}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.location, `https://127.0.0.1:${port}/api/v1/${location}`);
    }
  });

  it("reads each resource back in the device's shape, with its defaults", async () => {
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
    assert.deepEqual((await api('GET', 'vpn-svc/ike/policies/3')).body, {
      kind: 'object#ike-policy',
      'priority-id': '3',
      version: 'v1',
      'local-auth-method': 'pre-share',
      encryption: 'des',
      hash: 'sha',
      dhGroup: 1,
      lifetime: 86400,
    });
    const tunnel = (await api('GET', 'vpn-svc/site-to-site/Tunnel8')).body;
    assert.equal(tunnel?.kind, 'object#vpn-site-to-site');
    assert.equal(tunnel?.['ike-profile-id'], null);
    assert.deepEqual((await api('GET', 'vpn-svc/site-to-site/Tunnel8/state')).body, {
      kind: 'object#vpn-site-to-site-state',
      'vpn-interface-name': 'Tunnel8',
      'line-protocol-state': 'up',
      enabled: true,
    });
    assert.equal((await api('GET', 'routing-svc/static-routes/10.1.0.0_24_Tunnel8')).body?.kind, 'object#static-route');
  });

  it('reports the session negotiating, then up, and down when admin-disabled', async () => {
    const status = async () =>
      ((await api('GET', 'vpn-svc/site-to-site/active/sessions')).body?.items as { status: string }[])[0]?.status;
    assert.equal(await status(), 'DOWN-NEGOTIATING');
    clock += 6_000;
    assert.equal(await status(), 'UP-ACTIVE');
    assert.equal(
      (await api('PUT', 'vpn-svc/site-to-site/Tunnel8/state', { 'vpn-interface-name': 'Tunnel8', enabled: false }))
        .status,
      204,
    );
    assert.equal(await status(), 'DOWN');
    assert.equal((await api('GET', 'vpn-svc/site-to-site/Tunnel8/state')).body?.enabled, false);
    assert.equal(
      (await api('PUT', 'vpn-svc/site-to-site/Tunnel8/state', { 'vpn-interface-name': 'Tunnel8', enabled: true }))
        .status,
      204,
    );
    assert.equal(await status(), 'DOWN-NEGOTIATING');
  });

  it('refuses a duplicate POST, out-of-range values, a missing policy, and logs the reason', async () => {
    const duplicate = await api('POST', 'vpn-svc/ike/policies', { 'priority-id': '2' });
    assert.equal(duplicate.status, 400);
    assert.equal(duplicate.body?.['error-message'], 'policy 2 exist, not allow to update policy using POST method');
    assert.equal(duplicate.body?.['error-code'], -1);
    assert.equal((await api('POST', 'vpn-svc/ike/policies', { 'priority-id': '9', lifetime: 59 })).status, 400);
    assert.equal((await api('POST', 'vpn-svc/ipsec/policies', { 'policy-id': '9', 'lifetime-sec': 119 })).status, 400);
    const mtu = await api('POST', 'vpn-svc/site-to-site', {
      'vpn-interface-name': 'Tunnel9',
      'ipsec-policy-id': '8',
      'remote-device': { 'tunnel-ip-address': '10.10.10.20' },
      'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' },
      mtu: 9193,
    });
    assert.equal(mtu.status, 400);
    assert.match(String(mtu.body?.['error-message']), /mtu 9193 is out of range/);
    const missing = await api('POST', 'vpn-svc/site-to-site', {
      'vpn-interface-name': 'Tunnel9',
      'ipsec-policy-id': '77',
      'remote-device': { 'tunnel-ip-address': '10.10.10.20' },
      'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' },
    });
    assert.equal(missing.status, 400);
    assert.match(String(missing.body?.['error-message']), /IPsec policy "77" does not exist/);
    assert.equal(
      (
        await api('POST', 'vpn-svc/site-to-site', {
          'vpn-interface-name': 'Tunnel9',
          'ipsec-policy-id': '8',
          'remote-device': { 'tunnel-ip-address': '10.10.10.300' },
          'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await api('POST', 'vpn-svc/ike/keyrings', {
          'keyring-name': 'k',
          'pre-shared-key-list': [{ key: 'x', 'peer-address': 'not-an-ip' }],
        })
      ).status,
      400,
    );
    assert.ok(logs.some((l) => /^POST \/api\/v1\/vpn-svc\/ike\/policies 400 \d+ms rejected: policy 2 exist/.test(l)));
    assert.ok(
      logs.every((l) => !l.includes('secret-psk')),
      'a pre-shared key reached the log',
    );
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
    assert.deepEqual((await api('GET', 'vpn-svc/ike/keepalive')).body, {
      kind: 'object#ike-keepalive',
      interval: 60,
      retry: 4,
      periodic: true,
    });
  });

  it('keeps its state across a restart, and shows it at /lab/state', async () => {
    await close();
    ({ port, close } = await start());
    assert.equal((await api('GET', 'vpn-svc/ike/policies/2')).status, 401, 'tokens do not survive a restart');
    token = String(
      (await call(port, 'POST', '/api/v1/auth/token-services', { basic: 'stack:cisco' })).body?.['token-id'],
    );
    assert.equal((await api('GET', 'vpn-svc/ike/policies/2')).body?.encryption, 'aes256');
    assert.equal((await call(port, 'GET', '/lab/state')).status, 401);
    const dump = await call(port, 'GET', '/lab/state', { basic: 'stack:cisco' });
    assert.deepEqual(Object.keys((dump.body?.tunnels ?? {}) as object), ['Tunnel8']);
    assert.equal((await call(port, 'GET', '/lab/health')).status, 200);
  });

  it('deletes in reverse order, 204 each; a policy in use is refused first', async () => {
    assert.equal((await api('DELETE', 'vpn-svc/ipsec/policies/8')).status, 400, 'the tunnel still uses it');
    for (const resource of [
      'routing-svc/static-routes/10.2.0.0_24_Tunnel8',
      'routing-svc/static-routes/10.1.0.0_24_Tunnel8',
      'vpn-svc/site-to-site/Tunnel8',
      'vpn-svc/ipsec/policies/8',
      'vpn-svc/ike/policies/2',
      'vpn-svc/ike/keyrings/5f7ca4f3-connection',
    ]) {
      assert.equal((await api('DELETE', resource)).status, 204, resource);
      assert.equal((await api('GET', resource)).status, 404, resource);
    }
    assert.deepEqual((await api('GET', 'vpn-svc/site-to-site/active/sessions')).body, {
      kind: 'collection#vpn-active-sessions',
      items: [],
    });
  });

  it('expires an idle token; logging in again works', async () => {
    clock += 61_000;
    assert.equal((await api('GET', 'vpn-svc/ike/policies/3')).status, 401);
    token = String(
      (await call(port, 'POST', '/api/v1/auth/token-services', { basic: 'stack:cisco' })).body?.['token-id'],
    );
    assert.equal((await api('GET', 'vpn-svc/ike/policies/3')).status, 200);
  });
});

/** Rejects after `ms`: every wait in these tests has a bound. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Streamed {
  status: number;
  /** Body bytes the client had handed to the connection when the answer came (-1: no answer). */
  sentAtAnswer: number;
  /** Body bytes handed to the connection when it closed. */
  sent: number;
  /** Whether the server asked for the body with 100 Continue. */
  continued: boolean;
}

/**
 * A request with a body of `total` bytes, sent in 16 KiB chunks as fast as the connection
 * takes them (with `Expect: 100-continue`, only after the server's 100). It ends when the
 * connection closes: early if the server closes it on a body it will not read.
 */
function streamBody(
  port: number,
  method: string,
  pathname: string,
  headers: Record<string, string>,
  total: number,
): Promise<Streamed> {
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const result: Streamed = { status: 0, sentAtAnswer: -1, sent: 0, continued: false };
  return within(
    30_000,
    `${method} ${pathname} with a body of ${total} bytes`,
    new Promise((resolve) => {
      const req = https.request({ host: '127.0.0.1', port, method, path: pathname, headers, ca: cert, agent: false });
      const pump = () => {
        while (result.sent < total && !req.destroyed) {
          result.sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (result.sent >= total) req.end();
      };
      req.on('continue', () => {
        result.continued = true;
        pump();
      });
      req.on('response', (res) => {
        result.status = res.statusCode ?? 0;
        result.sentAtAnswer = result.sent;
        res.resume();
      });
      // The server closing the connection under a body it will not read is what these tests want.
      req.on('error', () => undefined);
      req.on('close', () => resolve(result));
      if (headers.expect) req.flushHeaders();
      else pump();
    }),
  );
}

/** How many bytes the server read from its next connection, once that closed. */
function bytesReadOfNextConnection(sim: Simulator): Promise<number> {
  return within(
    30_000,
    'the connection to close',
    new Promise((resolve) =>
      sim.server.once('connection', (socket: Socket) => socket.once('close', () => resolve(socket.bytesRead))),
    ),
  );
}

/** The simulator's limits, as lab documents them: 64 KiB bodies, 32 live tokens, 128 connections. */
const BODY_LIMIT = 64 * 1024;
const MAX_TOKENS = 32;
const MAX_CONNECTIONS = 128;
/** A body far over the limit: if the server read it, it would be read whole before the answer. */
const BIG = 32 * 1024 * 1024;
/** What the server may read of a refused body: what was in flight when it answered, far below BIG. */
const IN_FLIGHT = 1024 * 1024;

describe('the CSR simulator under hostile requests', () => {
  const stateFile = path.join(dir, 'hostile.json');
  let port: number;
  let close: () => Promise<void>;
  let sim: Simulator;
  let token: string;
  const login = async (on = port) => call(on, 'POST', '/api/v1/auth/token-services', { basic: 'stack:cisco' });
  const api = (method: string, resource: string, body?: unknown) =>
    call(port, method, `/api/v1/${resource}`, { token, body });
  const healthy = async () =>
    assert.equal((await call(port, 'GET', '/lab/health')).status, 200, 'the simulator still answers');

  before(async () => {
    ({ port, close, sim } = await start(stateFile));
    token = String((await login()).body?.['token-id']);
  });
  after(async () => close());

  it('refuses an outgoing-interface that is not an interface name with the device error, and keeps serving', async () => {
    for (const via of [
      'GigabitEthernet1\u20ac',
      'GigabitEthernet1\r\nX-Injected: 1',
      'Tunnel\u0000',
      'Gigabit Ethernet1',
      'GigabitEthernet1/../x',
      '',
    ]) {
      const refused = await api('POST', 'routing-svc/static-routes', {
        'destination-network': '10.9.0.0/24',
        'outgoing-interface': via,
      });
      assert.equal(refused.status, 400, JSON.stringify(via));
      assert.equal(refused.body?.['error-code'], -1);
      assert.match(
        String(refused.body?.['error-message']),
        via === ''
          ? /outgoing-interface is required/
          : /^outgoing-interface .* is not an interface name: write one like Tunnel1/,
      );
      await healthy();
    }
    assert.ok(
      logs.some((l) =>
        l.includes('rejected: outgoing-interface "GigabitEthernet1\\r\\nX-Injected: 1" is not an interface name'),
      ),
      'the reason is logged',
    );
    assert.ok(
      // eslint-disable-next-line no-control-regex -- the control characters are what it looks for
      logs.every((l) => !/[\r\n\u0000]/.test(l)),
      'a control character from a request reached the log',
    );
    const sub = await api('POST', 'routing-svc/static-routes', {
      'destination-network': '10.9.0.0/24',
      'outgoing-interface': 'GigabitEthernet1.100',
    });
    assert.equal(sub.status, 201);
    assert.equal(
      sub.location,
      `https://127.0.0.1:${port}/api/v1/routing-svc/static-routes/10.9.0.0_24_GigabitEthernet1.100`,
    );
    assert.equal((await api('DELETE', 'routing-svc/static-routes/10.9.0.0_24_GigabitEthernet1.100')).status, 204);
  });

  it('refuses a Host header that cannot be part of a URL', async () => {
    // Not verified (no ca): the client would check the certificate against the Host header.
    for (const host of ['csr/evil', 'csr evil', 'csr:55443@evil']) {
      const refused = await csrCall(port, 'POST', '/api/v1/auth/token-services', {
        basic: 'stack:cisco',
        headers: { host },
      });
      assert.equal(refused.status, 400, host);
      assert.match(String(refused.body?.['error-message']), /the Host header .* is not a host name or address/);
    }
    const named = await csrCall(port, 'POST', '/api/v1/auth/token-services', {
      basic: 'stack:cisco',
      headers: { host: 'csr:55443' },
    });
    assert.match(String(named.body?.link), /^https:\/\/csr:55443\/api\/v1\/auth\/token-services\//);
    assert.equal(
      (await call(port, 'DELETE', `/api/v1/auth/token-services/${String(named.body?.['token-id'])}`, { token })).status,
      204,
    );
  });

  it('answers 500 with the device error body when handling fails, logs the stack, and keeps serving', async () => {
    // A state file that cannot be written (its directory is missing), as on a full or broken volume.
    const broken = await start(path.join(dir, 'no-such-directory', 'state.json'));
    try {
      const brokenToken = String((await login(broken.port)).body?.['token-id']);
      const failed = await call(broken.port, 'POST', '/api/v1/vpn-svc/ike/policies', {
        token: brokenToken,
        body: { 'priority-id': '5' },
      });
      assert.equal(failed.status, 500);
      assert.equal(failed.body?.['error-code'], -1);
      assert.match(String(failed.body?.['error-message']), /^the simulator failed: ENOENT/);
      assert.ok(
        logs.some((l) => /^POST \/api\/v1\/vpn-svc\/ike\/policies 500 \d+ms failed: ENOENT/.test(l)),
        'the failure is logged',
      );
      assert.ok(
        logs.some((l) => /^\s+at .*saveState/.test(l)),
        'with its stack',
      );
      assert.equal((await call(broken.port, 'GET', '/lab/health')).status, 200);
      assert.equal((await call(broken.port, 'GET', '/api/v1/global/host-name', { token: brokenToken })).status, 200);
    } finally {
      await broken.close();
    }
  });

  it('answers 400 or 404 for a malformed percent-encoding in a path', async () => {
    const policy = await api('GET', 'vpn-svc/ike/policies/%E0%A4%A');
    assert.equal(policy.status, 400);
    assert.match(String(policy.body?.['error-message']), /is not valid percent-encoding/);
    const state = await api('PUT', 'vpn-svc/site-to-site/Tunnel%/state', { enabled: true });
    assert.equal(state.status, 400);
    assert.equal((await api('DELETE', 'auth/token-services/%E0')).status, 404);
    await healthy();
  });

  it('logs and ends a connection that speaks no HTTP or no TLS, and keeps serving', async () => {
    const garbage = await within(
      10_000,
      'an answer to garbage over TLS',
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, ca: cert }, () =>
          socket.write('NOT HTTP AT ALL\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      }),
    );
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request/);
    await within(
      10_000,
      'the end of a plain-text connection',
      new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () =>
          socket.write('GET /lab/health HTTP/1.1\r\nHost: csr\r\n\r\n'),
        );
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      }),
    );
    assert.ok(
      logs.some((l) => /^client error from .*Parse Error/.test(l)),
      'the parse error is logged',
    );
    assert.ok(
      logs.some((l) => /^TLS error from /.test(l)),
      'the TLS error is logged',
    );
    await healthy();
  });

  it('takes a body of 64 KiB and refuses one byte more with 413', async () => {
    const fill = (size: number) => ({
      interval: 10,
      pad: 'x'.repeat(size - JSON.stringify({ interval: 10, pad: '' }).length),
    });
    const atLimit = await api('PUT', 'vpn-svc/ike/keepalive', fill(BODY_LIMIT));
    assert.equal(atLimit.status, 400, 'read and judged by the model');
    assert.equal(atLimit.body?.['error-message'], 'unknown field pad');
    const over = await api('PUT', 'vpn-svc/ike/keepalive', fill(BODY_LIMIT + 1));
    assert.equal(over.status, 413);
    assert.equal(over.body?.['error-code'], -1);
    assert.equal(over.body?.['error-message'], `the body is larger than ${BODY_LIMIT} bytes`);
    await healthy();
  });

  it('refuses a Content-Length over the limit with 413 before the body, and a chunked body once it passes it, closing the connection', async () => {
    const declaredRead = bytesReadOfNextConnection(sim);
    const declared = await streamBody(
      port,
      'PUT',
      '/api/v1/vpn-svc/ike/keepalive',
      { 'x-auth-token': token, 'content-length': String(BIG) },
      BIG,
    );
    assert.equal(declared.status, 413);
    assert.ok(
      declared.sentAtAnswer < BIG && declared.sent < BIG,
      `answered after ${declared.sentAtAnswer} and closed after ${declared.sent} of ${BIG} bytes`,
    );
    const chunkedRead = bytesReadOfNextConnection(sim);
    const chunked = await streamBody(port, 'PUT', '/api/v1/vpn-svc/ike/keepalive', { 'x-auth-token': token }, BIG);
    assert.equal(chunked.status, 413);
    assert.ok(
      chunked.sentAtAnswer < BIG && chunked.sent < BIG,
      `answered after ${chunked.sentAtAnswer} and closed after ${chunked.sent} of ${BIG} bytes`,
    );
    for (const read of [await declaredRead, await chunkedRead])
      assert.ok(read < IN_FLIGHT, `the server read ${read} bytes of a refused body`);
    await healthy();
  });

  it('refuses a request without a valid token with 401 before reading its body, and closes the connection', async () => {
    const chunkedRead = bytesReadOfNextConnection(sim);
    const chunked = await streamBody(port, 'PUT', '/api/v1/vpn-svc/ike/keepalive', {}, BIG);
    assert.equal(chunked.status, 401);
    assert.ok(
      chunked.sentAtAnswer < BIG && chunked.sent < BIG,
      `answered after ${chunked.sentAtAnswer} and closed after ${chunked.sent} of ${BIG} bytes`,
    );
    assert.ok((await chunkedRead) < IN_FLIGHT, 'the server read the unauthenticated body');
    const forged = await streamBody(
      port,
      'PUT',
      '/api/v1/vpn-svc/ike/keepalive',
      { 'x-auth-token': 'forged', 'content-length': String(400 * 1024 * 1024) },
      400 * 1024 * 1024,
    );
    assert.equal(forged.status, 401);
    assert.ok(forged.sent < BIG, `closed after ${forged.sent} bytes`);
    const asking = await streamBody(
      port,
      'PUT',
      '/api/v1/vpn-svc/ike/keepalive',
      { 'content-length': String(BIG), expect: '100-continue' },
      BIG,
    );
    assert.equal(asking.status, 401);
    assert.equal(asking.continued, false, 'the body was invited before the token was checked');
    assert.equal(asking.sent, 0);
    const invited = await streamBody(
      port,
      'PUT',
      '/api/v1/vpn-svc/ike/keepalive',
      { 'x-auth-token': token, 'content-type': 'application/json', 'content-length': '2', expect: '100-continue' },
      2,
    );
    assert.equal(invited.continued, true, 'a client with a token is asked for its body');
    assert.equal(invited.status, 400, 'and the body is read');
    await healthy();
  });

  it(`serves at most ${MAX_CONNECTIONS} connections at once, drops more, and serves again once some close`, async () => {
    const serving = () =>
      new Promise<number>((resolve, reject) =>
        sim.server.getConnections((failure, count) => (failure ? reject(failure) : resolve(count))),
      );
    // Resuming one TLS session spares a full handshake per connection.
    let session: Buffer | undefined;
    const connect = () =>
      within(
        10_000,
        'a TLS connection',
        new Promise<tls.TLSSocket | undefined>((resolve) => {
          const socket = tls.connect({ host: '127.0.0.1', port, ca: cert, ...(session ? { session } : {}) }, () =>
            resolve(socket),
          );
          socket.once('session', (ticket: Buffer) => (session ??= ticket));
          socket.on('error', () => resolve(undefined));
          socket.on('close', () => resolve(undefined));
        }),
      );
    const held: (tls.TLSSocket | undefined)[] = [];
    try {
      for (let open = await serving(); open < MAX_CONNECTIONS; open++) held.push(await connect());
      assert.ok(
        held.every((socket) => socket !== undefined),
        'a connection below the limit was dropped',
      );
      assert.equal(await connect(), undefined, `connection ${MAX_CONNECTIONS + 1} was served`);
    } finally {
      for (const socket of held) socket?.destroy();
    }
    const deadline = Date.now() + 5_000;
    while ((await serving()) >= MAX_CONNECTIONS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await healthy();
  });

  it('answers 404 for ids named like Object.prototype properties on every resource, and never touches a prototype', async () => {
    const ids = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    const collections = [
      'vpn-svc/ike/policies',
      'vpn-svc/ipsec/policies',
      'vpn-svc/ike/keyrings',
      'vpn-svc/site-to-site',
      'routing-svc/static-routes',
    ];
    for (const id of ids) {
      for (const collection of collections) {
        for (const method of ['GET', 'DELETE'])
          assert.equal((await api(method, `${collection}/${id}`)).status, 404, `${method} ${collection}/${id}`);
      }
      assert.equal((await api('GET', `vpn-svc/site-to-site/${id}/state`)).status, 404, `GET state of ${id}`);
      assert.equal(
        (await api('PUT', `vpn-svc/site-to-site/${id}/state`, { enabled: true })).status,
        404,
        `PUT state of ${id}`,
      );
      const tunnel = await api('POST', 'vpn-svc/site-to-site', {
        'vpn-interface-name': 'Tunnel30',
        'ipsec-policy-id': id,
        'remote-device': { 'tunnel-ip-address': '10.10.10.20' },
        'local-device': { 'ip-address': '10.3.0.1/24', 'tunnel-ip-address': '10.10.10.10' },
      });
      assert.equal(tunnel.status, 400, `a tunnel with IPsec policy ${id}`);
    }
    assert.deepEqual(Object.keys(Object.prototype), [], 'Object.prototype gained properties');
    assert.equal(({} as Record<string, unknown>).enabled, undefined);
  });

  it('stores keyrings named __proto__ or toString as any other, also across a restart', async () => {
    for (const name of ['__proto__', 'toString']) {
      const made = await api('POST', 'vpn-svc/ike/keyrings', {
        'keyring-name': name,
        'pre-shared-key-list': [{ key: 'proto-psk', 'peer-address': '10.10.10.30' }],
      });
      assert.equal(made.status, 201, `${name}: ${JSON.stringify(made.body)}`);
      assert.equal(made.location, `https://127.0.0.1:${port}/api/v1/vpn-svc/ike/keyrings/${name}`);
      assert.equal((await api('GET', `vpn-svc/ike/keyrings/${name}`)).body?.['keyring-name'], name);
    }
    assert.equal(Object.getPrototypeOf(sim.state.keyrings), Object.prototype, "the keyrings' prototype was replaced");
    assert.deepEqual(Object.keys(sim.state.keyrings).sort(), ['__proto__', 'toString']);
    await close();
    ({ port, close, sim } = await start(stateFile));
    token = String((await login()).body?.['token-id']);
    assert.equal((await api('GET', 'vpn-svc/ike/keyrings/__proto__')).body?.['keyring-name'], '__proto__');
    assert.equal((await api('GET', 'vpn-svc/ike/policies/constructor')).status, 404);
    assert.equal((await api('GET', 'vpn-svc/ike/keyrings/constructor')).status, 404);
    for (const name of ['__proto__', 'toString']) {
      assert.equal((await api('DELETE', `vpn-svc/ike/keyrings/${name}`)).status, 204, name);
      assert.equal((await api('GET', `vpn-svc/ike/keyrings/${name}`)).status, 404, name);
    }
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  it('sweeps expired tokens when someone logs in', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await login()).status, 200);
    clock += 61_000;
    token = String((await login()).body?.['token-id']);
    assert.equal(
      (await call(port, 'GET', '/lab/state', { basic: 'stack:cisco' })).body?.tokens,
      1,
      'expired tokens were kept',
    );
  });

  it(`holds at most ${MAX_TOKENS} live tokens and refuses one more with the device error`, async () => {
    const live = [token];
    while (live.length < MAX_TOKENS) {
      const next = await login();
      assert.equal(next.status, 200, `login ${live.length + 1}`);
      live.push(String(next.body?.['token-id']));
    }
    const refused = await login();
    assert.equal(refused.status, 429);
    assert.equal(refused.body?.['error-code'], -1);
    assert.match(
      String(refused.body?.['error-message']),
      /^too many sessions: 32 tokens are live; DELETE auth\/token-services\/<token> when done/,
    );
    assert.equal((await api('DELETE', `auth/token-services/${live.pop() ?? ''}`)).status, 204);
    assert.equal((await login()).status, 200, 'a deleted token makes room');
    clock += 61_000;
    token = String((await login()).body?.['token-id']);
    assert.equal(sim.tokens.count, 1, 'expired tokens make room');
  });

  it('sweeps expired tokens on a timer', async () => {
    const short = await start(undefined, { tokenLifetimeMs: 100 });
    try {
      assert.equal((await login(short.port)).status, 200);
      assert.equal(short.sim.tokens.count, 1);
      clock += 1_000;
      const deadline = Date.now() + 3_000;
      while (short.sim.tokens.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(short.sim.tokens.count, 0, 'the expired token is still held 3 s later');
    } finally {
      await short.close();
    }
  });

  it('writes its state file, and the partial one before it, readable by its owner only', async () => {
    const file = path.join(dir, 'private.json');
    fs.writeFileSync(file, '{}', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    // A partial file left behind by an interrupted write keeps its mode when opened again.
    fs.writeFileSync(`${file}.partial`, '', { mode: 0o644 });
    fs.chmodSync(`${file}.partial`, 0o644);
    const own = await start(file);
    try {
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'a state file written by an older simulator');
      const ownToken = String((await login(own.port)).body?.['token-id']);
      const made = await call(own.port, 'POST', '/api/v1/vpn-svc/ike/keyrings', {
        token: ownToken,
        body: { 'keyring-name': 'k', 'pre-shared-key-list': [{ key: 'private-psk', 'peer-address': '10.10.10.30' }] },
      });
      assert.equal(made.status, 201);
      assert.match(fs.readFileSync(file, 'utf8'), /private-psk/);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the state file after a write');
      assert.equal(fs.existsSync(`${file}.partial`), false);
    } finally {
      await own.close();
    }
  });
});
