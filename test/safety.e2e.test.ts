// Against the real engine, without stacking a lab: `lab clean` steered by a network label
// at a directory that is not the lab's, and an engine that stops answering in the middle
// of a run (a pass-through proxy to the engine's socket that freezes or drops, the way a
// stuck or dying dockerd does).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { LABEL } from '../lab/labels.js';
import { requireEngine } from './e2e-helpers.js';
import { lab, removeScratch, scratch } from './helpers.js';

const ENGINE_SOCKET = '/var/run/docker.sock';

/** A proxy to the engine's socket that can stop passing bytes (frozen) or cut every connection (dropped). */
class EngineProxy {
  readonly socketPath = path.join(
    os.tmpdir(),
    `lab-engine-proxy-${process.pid}-${Math.random().toString(36).slice(2)}.sock`,
  );
  private readonly server: net.Server;
  private readonly pairs: { client: net.Socket; upstream: net.Socket }[] = [];
  private answers = 0;
  /** After this many chunks from the engine, stop: 'freeze' passes nothing more, 'drop' cuts everything. */
  constructor(
    private readonly after: number,
    private readonly mode: 'freeze' | 'drop',
  ) {
    this.server = net.createServer((client) => {
      if (this.stopped()) return this.mode === 'drop' ? client.destroy() : client.pause();
      const upstream = net.connect(ENGINE_SOCKET);
      this.pairs.push({ client, upstream });
      client.on('data', (chunk) => (this.stopped() ? undefined : upstream.write(chunk)));
      upstream.on('data', (chunk) => {
        if (this.stopped()) return;
        client.write(chunk);
        if (++this.answers >= this.after) this.stop();
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  private stopped(): boolean {
    return this.answers >= this.after;
  }

  private stop(): void {
    for (const { client, upstream } of this.pairs) {
      if (this.mode === 'drop') {
        client.destroy();
        upstream.destroy();
      } else {
        client.pause();
        upstream.pause();
      }
    }
    if (this.mode === 'drop') this.server.close();
  }

  close(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.server.close();
    fs.rmSync(this.socketPath, { force: true });
  }
}

describe('safety against the real engine', { timeout: 10 * 60_000 }, () => {
  const dirs: string[] = [];
  const name = `safe${process.pid}`;
  let docker: Docker;

  before(async () => {
    await requireEngine();
    docker = new Docker();
  });
  after(async () => {
    for (const network of await docker.listNetworks({ filters: { label: [`${LABEL.project}=${name}`] } }))
      await docker.getNetwork(network.Id).remove();
    dirs.forEach(removeScratch);
  });

  it("lab clean --lab NAME leaves alone a directory a network label points at when it is not that lab's", async () => {
    const project = scratch({
      localrc: 'LAB_NAME=other\n',
      'src/driver.py': 'class Driver: pass\n',
      passwords: "not lab's\n",
      'etc/neutron/neutron.conf': '[DEFAULT]\n',
    });
    const elsewhere = scratch();
    dirs.push(project, elsewhere);
    await docker.createNetwork({
      Name: `${name}-mgmt`,
      Labels: { [LABEL.project]: name, [LABEL.service]: 'mgmt', [LABEL.labDir]: project },
    });
    const before = (fs.readdirSync(project, { recursive: true }) as string[]).sort();
    const result = await lab(['clean', '--lab', name], { cwd: elsewhere });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`networks removed: ${name}-mgmt`));
    assert.match(
      result.stdout,
      /lab directory: .* is not lab "safe\d+"'s directory \(no \.lab-dir in it\): left as it is/,
    );
    assert.deepEqual((fs.readdirSync(project, { recursive: true }) as string[]).sort(), before);
    assert.equal(fs.readFileSync(path.join(project, 'src', 'driver.py'), 'utf8'), 'class Driver: pass\n');
  });

  for (const mode of ['freeze', 'drop'] as const) {
    it(`says the engine stopped answering, and during what, when it ${mode === 'freeze' ? 'stops answering' : 'goes away'} in the middle of lab status`, async () => {
      const proxy = new EngineProxy(1, mode);
      await proxy.listen();
      const cwd = scratch({ localrc: `LAB_NAME=${name}\n` });
      dirs.push(cwd);
      try {
        const started = Date.now();
        const result = await lab(['status'], {
          cwd,
          env: { DOCKER_HOST: `unix://${proxy.socketPath}`, LAB_ENGINE_TIMEOUT: '2' },
        });
        const took = Date.now() - started;
        assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
        assert.match(
          result.stderr,
          new RegExp(
            `lab: failed: the Docker engine stopped answering during the listing of lab ${name}'s containers \\(${mode === 'freeze' ? 'no answer within 2 s' : '.*(ECONNREFUSED|ENOENT|socket hang up|ECONNRESET|EPIPE).*'}\\)`,
          ),
        );
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
        assert.ok(took < 20_000, `it took ${took} ms`);
      } finally {
        proxy.close();
      }
    });
  }

  it('bounds lab unstack too: a frozen engine ends it with the step named, not a hang', async () => {
    const proxy = new EngineProxy(1, 'freeze');
    await proxy.listen();
    const cwd = scratch({ localrc: `LAB_NAME=${name}\n` });
    dirs.push(cwd);
    try {
      const result = await lab(['unstack'], {
        cwd,
        env: { DOCKER_HOST: `unix://${proxy.socketPath}`, LAB_ENGINE_TIMEOUT: '2' },
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /the Docker engine stopped answering during the listing of lab \S+'s networks \(no answer within 2 s\)/,
      );
    } finally {
      proxy.close();
    }
  });
});
