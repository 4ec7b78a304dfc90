// The log follower against the real engine, without a lab: a container of our own that
// prints numbered lines, and the follower as `lab stack` starts it. It must write each line
// once, in order, with its characters whole; make SCREEN_LOGDIR again after rm -rf; live
// through a full disk (a small tmpfs, so the lab directory is full too) and say so in
// `lab status`; and read on after the engine went away and came back. dockerd itself is
// not restarted (others use it): the follower reaches it through a socket proxy of the
// test's, which goes away (every connection cut) and comes back as a restarted dockerd would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../lab/engine.js';
import { LABEL } from '../lab/labels.js';
import { ensureFollower, followerPaths, runningFollower, stopFollower } from '../lab/logs/control.js';
import { readStatus, type FollowerStatus } from '../lab/logs/health.js';
import { parseLogLine, screenLink } from '../lab/logs/screen.js';
import { eventually, requireEngine } from './e2e-helpers.js';
import { lab, removeScratch, scratch } from './helpers.js';
import { DEFAULT_RELEASE, madeBaseImage, releaseByName } from '../lab/config/release.js';

// The base lab stack made for the default release (the e2e tests before this one stacked it).
const IMAGE = madeBaseImage(releaseByName(DEFAULT_RELEASE));
const WORDS = 'Größe 中文 😀 naïve';
/** Longer than Docker's 16 KiB: it stores and sends it as two frames. */
const LONG = `${'L'.repeat(20_000)} ${WORDS}`;
/** Numbered lines, 50 a second at most, for as long as the test runs (and a bound on it). */
const TALK = `head -c 20000 /dev/zero | tr '\\0' L; echo " ${WORDS}"; for i in $(seq 1 100000); do echo "line $i ${WORDS}"; sleep 0.02; done`;

/** The complete lines of a service's screen log (a line being written is left out). */
function screenLines(logDir: string, service: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(screenLink(logDir, service), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => parseLogLine(line).text);
}

/** The numbers of the well-formed numbered lines, in file order. */
function numbers(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^line (\d+) (.*)$/.exec(line);
    return match && match[2] === WORDS ? [Number(match[1])] : [];
  });
}

function assertConsecutive(found: number[], what: string): void {
  const wrong = found.findIndex((n, i) => i > 0 && n !== (found[i - 1] ?? 0) + 1);
  assert.equal(wrong, -1, `${what}: line ${found[wrong - 1]} is followed by ${found[wrong]}`);
}

async function talker(engine: Engine, project: string, service: string): Promise<string> {
  const id = await engine.createContainer({
    name: `${project}-${service}`,
    Image: IMAGE,
    Cmd: ['bash', '-c', TALK],
    Labels: { [LABEL.project]: project, [LABEL.service]: service },
    HostConfig: { NetworkMode: 'none' },
  });
  await engine.startContainer(id);
  return id;
}

async function removeContainers(engine: Engine, project: string): Promise<void> {
  for (const container of await engine.listContainers(project)) await engine.removeContainer(container.id);
}

function status(labDir: string): FollowerStatus | undefined {
  return readStatus(followerPaths(labDir).status);
}

describe('the log follower against the real engine', { timeout: 5 * 60_000 }, () => {
  const project = `follower${process.pid}`;
  const root = scratch();
  const disk = path.join(root, 'disk');
  const labDir = path.join(disk, 'lab');
  const logDir = path.join(disk, 'logs');
  const filler = path.join(disk, 'filler');
  let engine: Engine;
  let mounted = false;
  let pid: number | undefined;

  before(async () => {
    engine = await requireEngine();
    await removeContainers(engine, project);
    fs.mkdirSync(disk);
    // The lab directory and SCREEN_LOGDIR on one small file system, as on a disk that fills up.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { timeout: 10_000 });
    mounted = true;
    fs.writeFileSync(path.join(root, 'localrc'), `LAB_NAME=${project}\nLAB_DIR=${labDir}\nSCREEN_LOGDIR=${logDir}\n`);
    await talker(engine, project, 'talker');
    assert.equal(await ensureFollower(labDir, project, logDir, 7), 'started');
    pid = runningFollower(labDir, project);
  });
  after(async () => {
    try {
      await stopFollower(labDir, project);
      if (engine) await removeContainers(engine, project);
    } finally {
      if (mounted) execFileSync('umount', [disk], { timeout: 10_000 });
      removeScratch(root);
    }
  });

  it('writes every line once, in order, with multi-byte characters and a line longer than 16 KiB whole', async () => {
    await eventually('line 100 in screen-talker.log', () => numbers(screenLines(logDir, 'talker')).includes(100));
    const lines = screenLines(logDir, 'talker');
    assert.equal(lines[0], LONG, 'the long line, once, without a timestamp inside it');
    const found = numbers(lines);
    assert.equal(
      found.length,
      lines.length - 1,
      `every other line is a numbered line with its characters whole: ${lines.slice(1).find((l) => numbers([l]).length === 0)}`,
    );
    assert.equal(found[0], 1);
    assertConsecutive(found, 'screen-talker.log');
    assert.equal(
      fs.statSync(screenLink(logDir, 'talker')).mode & 0o777,
      0o600,
      'the screen log is readable by its owner only',
    );
    for (const file of Object.values(followerPaths(labDir))) assert.equal(fs.statSync(file).mode & 0o777, 0o600, file);
  });

  it('makes SCREEN_LOGDIR, a new screen file and its symlink again within seconds of rm -rf', async () => {
    const before = Math.max(...numbers(screenLines(logDir, 'talker')));
    fs.rmSync(logDir, { recursive: true, force: true });
    const removedAt = Date.now();
    await eventually(
      'new lines in a recreated screen-talker.log',
      () => numbers(screenLines(logDir, 'talker')).length >= 10,
      5_000,
    );
    console.log(`lines again ${Date.now() - removedAt} ms after rm -rf`);
    assert.match(fs.readlinkSync(screenLink(logDir, 'talker')), /^screen-talker\.\d{4}-\d{2}-\d{2}-\d{6}\.log$/);
    const found = numbers(screenLines(logDir, 'talker'));
    assert.ok((found[0] ?? 0) > before, `the new file goes on after line ${before}, from ${found[0]}`);
    assertConsecutive(found, 'the recreated screen-talker.log');
  });

  it('goes on through a full disk, counts the lines it could not write, says so in lab status, and writes again once there is room', async () => {
    // Fill the file system to the last byte.
    const fd = fs.openSync(filler, 'w');
    try {
      for (const size of [65_536, 4_096, 1]) {
        for (;;) {
          try {
            fs.writeSync(fd, Buffer.alloc(size));
          } catch (error) {
            assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
            break;
          }
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    await eventually(
      'the follower reporting 20 lines it could not write',
      () => (status(labDir)?.writes?.lines ?? 0) >= 20,
      15_000,
    );
    assert.equal(status(labDir)?.writes?.code, 'ENOSPC');
    assert.equal(runningFollower(labDir, project), pid, 'the same follower still runs');

    const text = await lab(['status'], { cwd: root });
    assert.equal(text.code, 0, text.stderr);
    const said = text.stdout.split('\n').filter((l) => l.startsWith('log follower:'));
    assert.equal(said[0], `log follower: running (pid ${pid})`);
    assert.match(
      said[1] ?? '',
      /^log follower: \d+ lines not written to \.\/disk\/logs since \d\d:\d\d:\d\d: ENOSPC: no space left on device, write$/,
    );
    assert.equal(said.length, 2, 'said once, not per service');
    const json = await lab(['status', '--json'], { cwd: root });
    const report = (
      JSON.parse(json.stdout) as { logFollower: { pid: number; status: FollowerStatus; notes: string[] } }
    ).logFollower;
    assert.equal(report.pid, pid);
    assert.equal(report.status.writes?.code, 'ENOSPC');
    assert.equal(report.notes.length, 1);

    fs.rmSync(filler);
    await eventually('the follower writing again', () => status(labDir)?.writes?.resumedAt !== undefined, 10_000);
    const lost = status(labDir)?.writes?.lines ?? 0;
    const resumed = numbers(screenLines(logDir, 'talker')).at(-1) ?? 0;
    await eventually(
      '20 lines written after the disk had room again',
      () => (numbers(screenLines(logDir, 'talker')).at(-1) ?? 0) >= resumed + 20,
      10_000,
    );
    const found = numbers(screenLines(logDir, 'talker'));
    const gaps = found.flatMap((n, i) =>
      i > 0 && n !== (found[i - 1] ?? 0) + 1 ? [{ after: found[i - 1] ?? 0, next: n }] : [],
    );
    assert.equal(gaps.length, 1, `one gap, while the disk was full: ${JSON.stringify(gaps)}`);
    assert.equal((gaps[0]?.next ?? 0) - (gaps[0]?.after ?? 0) - 1, lost, 'exactly the lines it counted are missing');
    const malformed = screenLines(logDir, 'talker').filter((l) => numbers([l]).length === 0);
    const cutShort = (fragment: string) =>
      fragment.includes(' ')
        ? `line ${(gaps[0]?.after ?? 0) + 1} ${WORDS}`.startsWith(fragment)
        : /^[\dTZ:.-]*$/.test(fragment);
    assert.ok(
      malformed.length <= 1 && malformed.every(cutShort),
      `at most the line cut short by the full disk, on a line of its own: ${JSON.stringify(malformed)}`,
    );
    const again = await lab(['status'], { cwd: root });
    assert.match(
      again.stdout,
      new RegExp(
        `log follower: ${lost} lines not written to \\./disk/logs from \\d\\d:\\d\\d:\\d\\d to \\d\\d:\\d\\d:\\d\\d \\(ENOSPC: no space left on device, write\\); writing again since`,
      ),
    );
  });

  it('is the same follower process at the end as at the start', () => {
    assert.ok(pid !== undefined);
    assert.equal(runningFollower(labDir, project), pid);
  });
});

/** A stand-in for the engine's socket that can go away (every connection cut) and come back. */
class EngineProxy {
  private server: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();

  constructor(
    readonly socketPath: string,
    private readonly target: string,
  ) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const engine = net.connect(this.target);
      for (const socket of [client, engine]) {
        this.connections.add(socket);
        socket.on('close', () => this.connections.delete(socket));
        socket.on('error', () => {
          client.destroy();
          engine.destroy();
        });
      }
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.socketPath, resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.connections) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
    fs.rmSync(this.socketPath, { force: true });
  }
}

describe('the log follower when the engine goes away and comes back', { timeout: 5 * 60_000 }, () => {
  const project = `followerproxy${process.pid}`;
  const root = scratch();
  const labDir = path.join(root, 'lab');
  const logDir = path.join(root, 'logs');
  const host = process.env.DOCKER_HOST;
  const proxy = new EngineProxy(
    path.join(root, 'docker.sock'),
    host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock',
  );
  let engine: Engine;
  let pid: number | undefined;
  const written = () => numbers(screenLines(logDir, 'talker'));

  before(async () => {
    engine = await requireEngine();
    await removeContainers(engine, project);
    // The follower takes its engine from DOCKER_HOST, as lab does; spawned before the first await.
    process.env.DOCKER_HOST = `unix://${proxy.socketPath}`;
    const started = ensureFollower(labDir, project, logDir, 7);
    if (host === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = host;
    assert.equal(await started, 'started');
    pid = runningFollower(labDir, project);
  });
  after(async () => {
    try {
      await stopFollower(labDir, project);
      await proxy.down();
      if (engine) await removeContainers(engine, project);
    } finally {
      removeScratch(root);
    }
  });

  it('keeps running while no engine answers, and then reads the lines printed meanwhile', async () => {
    await eventually(
      'the follower reporting the engine unreachable',
      () => status(labDir)?.engine?.lostAt !== undefined,
      10_000,
    );
    await talker(engine, project, 'talker');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(runningFollower(labDir, project), pid);
    assert.deepEqual(written(), [], 'nothing can be read without the engine');
    await proxy.up();
    await eventually('the follower reading the log once the engine answers', () => written().length >= 100, 30_000);
    await eventually(
      'the follower saying when the engine answered again',
      () => status(labDir)?.engine?.backAt !== undefined,
      2_000,
    );
    assert.equal(written()[0], 1);
    assertConsecutive(written(), 'screen-talker.log');
  });

  it('subscribes again after every connection was cut, and loses no line and writes none twice', async () => {
    const before = written().at(-1) ?? 0;
    await proxy.down();
    await eventually(
      'the follower noticing the engine gone',
      () => status(labDir)?.engine?.times === 2 && status(labDir)?.engine?.backAt === undefined,
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await proxy.up();
    await eventually('lines printed after the engine came back', () => (written().at(-1) ?? 0) > before + 250, 30_000);
    const found = written();
    assert.equal(found[0], 1);
    assertConsecutive(found, 'screen-talker.log across the engine going away');
    assert.equal(new Set(found).size, found.length, 'no line written twice');
    // The status file is written after the follower reads on: wait for it, as the first test does.
    await eventually(
      'the follower saying when the engine answered again',
      () => status(labDir)?.engine?.backAt !== undefined,
      2_000,
    );
    const engineStatus = status(labDir)?.engine;
    assert.ok(engineStatus?.backAt !== undefined && engineStatus.backAt > engineStatus.lostAt);
    assert.equal(runningFollower(labDir, project), pid, 'the same follower throughout');
  });
});
