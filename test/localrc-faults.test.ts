// A localrc that does not behave (issue 11, points 3 and 6): one that waits, leaves a
// process behind or outlives SIGTERM is stopped at LAB_LOCALRC_TIMEOUT with nothing left
// running and no copy of it on disk; a localrc lab cannot read as a plain file of Unix lines
// is refused naming it and saying what to do; a control character in a value is never
// printed raw. Also the bounded runner these rest on (lab/process.ts).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { showTerminalControls } from '../lab/config/control.js';
import { packagePath } from '../lab/paths.js';
import { runBounded } from '../lab/process.js';
import { cleanEnv, scratchDirs, withoutReadingAnyFile } from './helpers.js';

const newDir = scratchDirs();
const CLI = packagePath('bin', 'lab.js');

/** Processes whose command line holds `marker` (a sleep's unusual duration). */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(marker) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Waits up to `ms` for every process holding `marker` to be gone; those left. */
async function leftAfter(marker: string, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (processesWith(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return processesWith(marker);
}

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

/** `lab ARGS` in `cwd`, bounded (a hang is a failure here, not a stuck test run). */
async function lab(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  const run = await runBounded(process.execPath, [CLI, ...args], {
    cwd,
    env: cleanEnv(env),
    limitMs: 20_000,
    graceMs: 200,
  });
  assert.ok(!run.timedOut, `lab ${args.join(' ')} did not end within 20 s:\n${run.outputs[1]}`);
  return { code: run.exitCode, stderr: run.outputs[1] ?? '', ms: Date.now() - started };
}

function project(files: Record<string, string>): string {
  const dir = newDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('the bounded runner', () => {
  it('reads stdout, stderr and an extra pipe, and feeds stdin', async () => {
    const run = await runBounded('bash', ['-c', 'cat; echo two >&2; echo three >&3'], {
      input: 'one\n',
      extraOutputs: 1,
      limitMs: 5_000,
    });
    assert.deepEqual([run.exitCode, run.timedOut, ...run.outputs], [0, false, 'one\n', 'two\n', 'three\n']);
  });

  it('stops at the limit however the grandchildren hold the pipes, and ends the whole group', async () => {
    const started = Date.now();
    const run = await runBounded('bash', ['-c', 'sleep 100031 & trap "" TERM; sleep 100032'], {
      limitMs: 500,
      graceMs: 300,
    });
    assert.ok(run.timedOut);
    assert.ok(Date.now() - started < 1_500, `returned after ${Date.now() - started} ms`);
    // sleep 100032 ignores SIGTERM (inherited): only the SIGKILL after the grace ends it.
    assert.deepEqual(await leftAfter('10003', 2_000), []);
  });

  it('ends what outlives a child that exited', async () => {
    const run = await runBounded('bash', ['-c', 'sleep 100033 >/dev/null 2>&1 &'], { limitMs: 5_000, graceMs: 300 });
    assert.deepEqual([run.exitCode, run.timedOut], [0, false]);
    assert.deepEqual(await leftAfter('100033', 2_000), []);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const run = await runBounded('sleep', ['100034'], { limitMs: 10_000, signal: controller.signal, graceMs: 300 });
    assert.ok(run.aborted && !run.timedOut);
    assert.deepEqual(await leftAfter('100034', 2_000), []);
  });

  it('leaves nothing running when lab itself is killed (no exit hook runs)', async () => {
    const script = `import { runBounded } from ${JSON.stringify(packagePath('dist', 'lab', 'process.js'))};
runBounded('bash', ['-c', 'sleep 100035 & sleep 100036'], { limitMs: 60000 });
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300);`;
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
    assert.deepEqual(await leftAfter('10003', 2_000), []);
  });
});

describe('a localrc that does not finish', () => {
  const cases = [
    { title: 'sleeps', localrc: 'LAB_NAME=x\nsleep 100041\n', marker: '100041' },
    { title: 'sleeps in the background', localrc: 'LAB_NAME=x\nsleep 100042 &\n', marker: '100042', background: true },
    {
      title: 'has a child that ignores SIGTERM',
      localrc: 'LAB_NAME=x\nbash -c \'trap "" TERM; sleep 100043\'\n',
      marker: '100043',
    },
  ];
  for (const c of cases) {
    it(`is refused at LAB_LOCALRC_TIMEOUT when it ${c.title}, leaving no process and no copy`, async () => {
      const dir = project({ localrc: c.localrc });
      const tmp = newDir();
      const run = await lab(['config'], dir, { LAB_LOCALRC_TIMEOUT: '2', TMPDIR: tmp });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /\.\/localrc: the localrc did not finish within 2 s \(LAB_LOCALRC_TIMEOUT\)/);
      assert.match(run.stderr, /remove the command that waits/);
      if (c.background) assert.match(run.stderr, /started in the background still runs/);
      assert.ok(run.ms < 8_000, `refused after ${run.ms} ms`);
      assert.deepEqual(await leftAfter(c.marker, 3_000), []);
      assert.deepEqual(fs.readdirSync(tmp), [], 'nothing of the localrc in the temporary directory');
      assert.deepEqual(fs.readdirSync(dir), ['localrc'], 'nothing written beside it');
    });
  }

  it('ends, without waiting for the limit, a background command that let go of its output', async () => {
    const dir = project({ localrc: 'LAB_NAME=quiet\nsleep 100044 >/dev/null 2>&1 &\n' });
    const run = await lab(['config'], dir, { LAB_LOCALRC_TIMEOUT: '10' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.ms < 5_000, `took ${run.ms} ms`);
    assert.deepEqual(await leftAfter('100044', 3_000), []);
  });

  it('stops at once when lab stack is interrupted during the evaluation', async () => {
    const dir = project({ localrc: 'LAB_NAME=x\nsleep 100045\n' });
    const child = spawn(process.execPath, [CLI, 'stack'], {
      cwd: dir,
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    // Interrupted once the localrc runs (lab's own start takes a while on a slow machine).
    while (processesWith('100045').length === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(killer);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /lab: interrupted: nothing was started/);
    assert.ok(Date.now() - started < 3_000, `ended ${Date.now() - started} ms after Ctrl-C`);
    assert.deepEqual(await leftAfter('100045', 3_000), []);
  });

  it('refuses a LAB_LOCALRC_TIMEOUT that is not a number of seconds', async () => {
    const run = await lab(['config'], project({ localrc: 'LAB_NAME=x\n' }), { LAB_LOCALRC_TIMEOUT: 'soon' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /environment variable LAB_LOCALRC_TIMEOUT: "soon" is not a number of seconds/);
  });

  it('still evaluates a localrc that is quick, with its line numbers', async () => {
    const run = await lab(['config', '--json'], project({ localrc: 'LAB_NAME=quick\nQ_PORT=http\n' }));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /localrc line 2/);
  });
});

describe('a localrc lab cannot read as a plain file', () => {
  const refused = async (dir: string, pattern: RegExp, args: string[] = []) => {
    const run = await lab(['config', ...args], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, pattern);
    assert.doesNotMatch(run.stderr, /embedded default|\n\s+at /);
  };

  it('names a broken ./localrc symlink instead of using localrc.example', async () => {
    const dir = newDir();
    fs.symlinkSync('../moved/localrc', path.join(dir, 'localrc'));
    await refused(
      dir,
      /\.\/localrc: a symlink to \.\.\/moved\/localrc, which does not exist: fix the link or remove it/,
    );
  });

  it('names a broken ./local.conf symlink', async () => {
    const dir = newDir();
    fs.symlinkSync('../moved/local.conf', path.join(dir, 'local.conf'));
    await refused(dir, /\.\/local\.conf: a symlink to \.\.\/moved\/local\.conf, which does not exist/);
  });

  it('names a symlink loop, as ./localrc and as --localrc', async () => {
    const dir = newDir();
    fs.symlinkSync('localrc.b', path.join(dir, 'localrc'));
    fs.symlinkSync('localrc', path.join(dir, 'localrc.b'));
    await refused(dir, /\.\/localrc: a symlink loop/);
    await refused(dir, /--localrc \.\/localrc\.b: a symlink loop/, ['--localrc', 'localrc.b']);
  });

  it('refuses a ./localrc that is a directory or a FIFO, without waiting for a writer', async () => {
    const dir = newDir();
    fs.mkdirSync(path.join(dir, 'localrc'));
    await refused(dir, /\.\/localrc: a directory, not a regular file/);
    fs.rmdirSync(path.join(dir, 'localrc'));
    assert.equal(spawnSync('mkfifo', [path.join(dir, 'localrc')]).status, 0);
    await refused(dir, /\.\/localrc: a FIFO \(named pipe\), not a regular file/);
  });

  it('names CRLF line endings in a localrc and a local.conf, and how to convert them', async () => {
    await refused(
      project({ localrc: 'LAB_NAME=win\nQ_PORT=9696\r\n' }),
      /\.\/localrc: CRLF \(Windows\) line endings, from line 2: .*dos2unix \.\/localrc .*sed -i 's\/\\r\$\/\/'/,
    );
    await refused(project({ 'local.conf': '[[local|localrc]]\r\nLAB_NAME=win\r\n' }), /\.\/local\.conf: CRLF/);
  });

  it('names an unreadable --localrc and what to do', async () => {
    const dir = project({ 'my.localrc': 'LAB_NAME=x\n' });
    fs.chmodSync(path.join(dir, 'my.localrc'), 0o000);
    // Root reads anything: as root, lab runs without that power (not being able to is a failure, not a skip).
    const [command, args] = withoutReadingAnyFile(process.execPath, [CLI, '--localrc', 'my.localrc', 'config']);
    const run = spawnSync(command, args, { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 20_000 });
    assert.ifError(run.error);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--localrc \.\/my\.localrc: not readable by this user \(uid \d+\): .*chmod/);
  });
});

describe('control characters in what lab prints', () => {
  it('shows them as escapes', () => {
    assert.equal(showTerminalControls('a\u001b[31mb\rc\u0007\u009b\td\ne'), 'a\\e[31mb\\rc\\u0007\\u009b\td\ne');
  });

  it('never writes a raw escape sequence of a value to the terminal', async () => {
    const run = await lab(['config'], project({ localrc: "LAB_NAME=$'\\e[31mred\\e[0m'\n" }));
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /LAB_NAME="\\e\[31mred\\e\[0m"/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(run.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
