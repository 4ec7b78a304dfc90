// The one Neutron client: every request bounded, a read left unanswered asked again within
// the bound's attempts, a write never; against a small local HTTP server (no Neutron).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CHECK_BOUND, NeutronClient, PROBE_BOUND, STEP_BOUND } from '../lab/neutron/client.js';

/** A fake neutron-server: `silent` requests (by count) are never answered. */
function fakeNeutron() {
  const seen: string[] = [];
  let silent = 0;
  const server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (silent > 0) {
      silent--;
      return;
    }
    if (request.url?.startsWith('/v2.0/networks')) {
      response.end(JSON.stringify({ networks: [{ id: 'n1', name: 'public' }] }));
    } else if (request.url === '/v2.0/text') {
      response.end('not json');
    } else {
      response.statusCode = 404;
      response.end(JSON.stringify({ NeutronError: { message: 'The resource could not be found.' } }));
    }
  });
  return {
    seen,
    server,
    silence: (count: number) => (silent = count),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

describe('the Neutron client', () => {
  const neutron = fakeNeutron();
  const quick = { timeoutMs: 300, readAttempts: 2 };
  before(() => new Promise<void>((resolve) => neutron.server.listen(0, '127.0.0.1', resolve)));
  after(() => {
    neutron.server.closeAllConnections();
    neutron.server.close();
  });

  it("keeps lab's bounds: 30 s and a read asked twice for its own steps, one short request a probe or a check", () => {
    assert.deepEqual(STEP_BOUND, { timeoutMs: 30_000, readAttempts: 2 });
    assert.deepEqual(PROBE_BOUND, { timeoutMs: 3000, readAttempts: 1 });
    assert.deepEqual(CHECK_BOUND, { timeoutMs: 4000, readAttempts: 1 });
    assert.equal(NeutronClient.forPort(9696).url, 'http://127.0.0.1:9696');
  });

  it('asks a read again once after it went unanswered, and gives the answer', async () => {
    neutron.seen.length = 0;
    neutron.silence(1);
    const client = new NeutronClient(neutron.url(), quick);
    assert.deepEqual(await client.list('networks', { name: 'public' }), [{ id: 'n1', name: 'public' }]);
    assert.deepEqual(neutron.seen, ['GET /v2.0/networks?name=public', 'GET /v2.0/networks?name=public']);
  });

  it('says which read Neutron did not answer, after the last attempt', async () => {
    neutron.seen.length = 0;
    neutron.silence(2);
    const client = new NeutronClient(neutron.url(), quick);
    await assert.rejects(client.get('networks'), {
      message: `Neutron did not answer GET ${neutron.url()}/v2.0/networks: no answer within 0.3 s; is q-svc running? (lab status, lab logs q-svc)`,
    });
    assert.equal(neutron.seen.length, 2);
  });

  it('never asks a write again', async () => {
    neutron.seen.length = 0;
    neutron.silence(1);
    const client = new NeutronClient(neutron.url(), quick);
    await assert.rejects(
      client.create('networks', { name: 'private' }),
      /^OperationError: Neutron did not answer POST .*\/v2\.0\/networks: no answer within 0\.3 s/,
    );
    assert.deepEqual(neutron.seen, ['POST /v2.0/networks']);
  });

  it("says what Neutron refused, with Neutron's own message", async () => {
    const client = new NeutronClient(neutron.url(), quick);
    await assert.rejects(client.get('routers/r1'), {
      message: `Neutron refused GET ${neutron.url()}/v2.0/routers/r1: 404 The resource could not be found.`,
    });
  });

  it('answers any status as it came, JSON parsed or the text kept; no answer throws the failure as it came', async () => {
    const client = new NeutronClient(neutron.url(), { timeoutMs: 300, readAttempts: 1 });
    const missing = await client.answer('GET', '/v2.0/routers/r1');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { NeutronError: { message: 'The resource could not be found.' } });
    assert.equal((await client.answer('GET', '/v2.0/text')).body, 'not json');
    neutron.silence(1);
    await assert.rejects(client.answer('GET', '/v2.0/networks'), { message: 'no answer within 0.3 s' });
  });
});
