// For the end-to-end tests: a real Docker engine (its absence fails the test, in CI and
// out), a unique lab name and free loopback port per run, cleanup before and after.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Engine } from '../lab/engine.js';
import { lab, removeScratch, scratch, type LabRun } from './helpers.js';

export async function requireEngine(): Promise<Engine> {
  const engine = new Engine();
  // No silent skip: without an engine these tests fail and say how to get one.
  await engine.requireEngine();
  return engine;
}

/** Polls `check` every 200 ms; fails naming `what` when it is not true within `ms`. */
export async function eventually(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface TestLab {
  name: string;
  port: number;
  dir: string;
  run(args: string[]): Promise<LabRun>;
  writeFile(name: string, text: string): void;
  api<T>(pathname: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  dispose(): Promise<void>;
}

export async function createTestLab(prefix: string, localrc: (name: string, port: number) => string): Promise<TestLab> {
  const name = `${prefix}${process.pid}`;
  const port = await freePort();
  const dir = scratch({ localrc: localrc(name, port) });
  const run = (args: string[]) => lab(args, { cwd: dir });
  const clean = async () => {
    const result = await lab(['clean', '--lab', name], { cwd: dir });
    assert.equal(result.code, 0, `lab clean: ${result.stderr}`);
  };
  await clean();
  return {
    name,
    port,
    dir,
    run,
    writeFile: (file, text) => fs.writeFileSync(path.join(dir, file), text),
    async api<T>(pathname: string, init?: RequestInit) {
      const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
        ...init,
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async dispose() {
      await clean();
      removeScratch(dir);
    },
  };
}
