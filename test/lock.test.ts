// One lab, one writer: two runs that change one lab at once do not both write it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireLabLock } from '../lab/lock.js';
import { packagePath } from '../lab/paths.js';
import { lab, listFiles, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));

interface ConfigJson {
  variables: Record<string, { value: string }>;
}

describe('the lab lock', () => {
  it('makes two first `lab config` runs at once agree on the passwords they generate', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const cwd = scratch({ localrc: `LAB_NAME=twins${process.pid}x${trial}\n` });
      dirs.push(cwd);
      const [one, two] = await Promise.all([
        lab(['config', '--json', '--show-secrets'], { cwd }),
        lab(['config', '--json', '--show-secrets'], { cwd }),
      ]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      const passwords = (run: typeof one) =>
        ['DATABASE_PASSWORD', 'RABBIT_PASSWORD', 'STRONGSWAN_PSK', 'CSR_PASSWORD'].map(
          (n) => (JSON.parse(run.stdout) as ConfigJson).variables[n]?.value,
        );
      assert.deepEqual(passwords(one), passwords(two), `trial ${trial}: both runs use the same passwords`);
      const stored = fs.readFileSync(path.join(cwd, '.lab', `twins${process.pid}x${trial}`, 'passwords'), 'utf8');
      assert.match(stored, new RegExp(`^DATABASE_PASSWORD=${passwords(one)[0]}$`, 'm'), 'and they are the ones kept');
    }
  });

  it('says who holds a busy lab and gives up at the bound, writing nothing', async () => {
    const name = `busy${process.pid}`;
    const cwd = scratch({ localrc: `LAB_NAME=${name}\n` });
    dirs.push(cwd);
    const release = await acquireLabLock(name, 'stack');
    try {
      const started = Date.now();
      const result = await lab(['config'], { cwd, env: { LAB_LOCK_WAIT: '1' } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `lab "${name}" is busy: lab stack \\(pid ${process.pid}, since \\S+, in \\S+\\) is changing it; waiting for it`,
        ),
      );
      assert.match(result.stderr, /gave up after 1 s \(LAB_LOCK_WAIT sets how long to wait\)/);
      assert.ok(Date.now() - started < 15_000);
      assert.deepEqual(listFiles(cwd), ['localrc']);
    } finally {
      release();
    }
    assert.equal((await lab(['config'], { cwd })).code, 0, 'once released, the lab is free');
  });

  it('is free again the moment its holder is killed with SIGKILL: no stale lock', async () => {
    const name = `killed${process.pid}`;
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireLabLock } from ${JSON.stringify(packagePath('dist', 'lab', 'lock.js'))}; await acquireLabLock(${JSON.stringify(name)}, 'stack'); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    await assert.rejects(acquireLabLock(name, 'stack', { waitMs: 300 }), /is busy: lab stack \(pid \d+/);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const started = Date.now();
    const release = await acquireLabLock(name, 'stack', { waitMs: 5000 });
    release();
    assert.ok(Date.now() - started < 1000, 'taken at once');
  });
});
