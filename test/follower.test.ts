// The log follower's parts that need no engine: lines from Docker's bytes, the screen files
// it keeps open, LOGDAYS while it runs, its status for `lab status`, its backoff and idle exit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Backoff, IdleExit } from '../lab/logs/follower.js';
import { describeStatus, FollowerHealth, readStatus, saveStatus } from '../lab/logs/health.js';
import { DockerLogLines, LineSplitter } from '../lab/logs/lines.js';
import { currentFile, LOG_MANIFEST, noteLogFile, Pruner, screenFile, screenLink } from '../lab/logs/screen.js';
import { ScreenFiles } from '../lab/logs/writer.js';
import { scratchDirs } from './helpers.js';

const dir = scratchDirs();

/** Cuts `bytes` into chunks of `size`: most cuts fall inside a multi-byte character. */
function chunks(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return parts;
}

/** One frame of Docker's multiplexed stream: stream type, 3 zero bytes, length, payload. */
function frame(stream: number, payload: string | Buffer): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const TS = '2026-12-01T15:00:00.123456789Z';
const WORDS = 'Größe 中文 😀 naïve';

describe('lines from the engine', () => {
  it('gives a line whole when its multi-byte characters are split across chunks', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of chunks(Buffer.from(`${WORDS}\n{"a":"${WORDS}"}\nlast ü`), 1)) splitter.write(chunk);
    splitter.end();
    assert.deepEqual(lines, [WORDS, `{"a":"${WORDS}"}`, 'last ü']);
  });

  it('joins a long line Docker cut into frames, each with the timestamp, even inside a character, however the chunks fall', () => {
    const lines: string[][] = [];
    const log = new DockerLogLines((timestamp, text) => lines.push([timestamp, text]));
    const text = `${'x'.repeat(16_383)}ö${WORDS}`;
    // Docker cuts at 16 KiB of bytes: here inside the two bytes of "ö".
    const long = Buffer.from(text);
    const [head, tail] = [long.subarray(0, 16_384), long.subarray(16_384)];
    const stream = Buffer.concat([
      frame(1, Buffer.concat([Buffer.from(`${TS} `), head])),
      // A stderr line arrives between the two parts of the stdout line.
      frame(2, `${TS} between ${WORDS}\n`),
      frame(1, Buffer.concat([Buffer.from(`${TS} `), tail, Buffer.from('\n')])),
      frame(1, `${TS} next\n`),
    ]);
    // As the network hands it over: chunks that cut headers and characters too.
    for (const chunk of chunks(stream, 7)) log.write(chunk);
    assert.deepEqual(lines, [
      [TS, `between ${WORDS}`],
      [TS, text],
      [TS, 'next'],
    ]);
  });

  it('reads a stream that is not multiplexed (a container with a TTY) as plain lines', () => {
    const lines: string[][] = [];
    const log = new DockerLogLines((timestamp, text) => lines.push([timestamp, text]));
    for (const chunk of chunks(Buffer.from(`${TS} ${WORDS}\n${TS} end`), 5)) log.write(chunk);
    log.end();
    assert.deepEqual(lines, [
      [TS, WORDS],
      [TS, 'end'],
    ]);
  });
});

describe('the screen files the follower keeps open', () => {
  const started = new Date(2026, 11, 1, 9, 0, 0);
  const later = new Date(2026, 11, 1, 9, 30, 0);

  it('creates screen logs with mode 0600, and narrows one made before with a wider mode', () => {
    const logs = dir();
    const files: Record<string, string> = {};
    const writer = new ScreenFiles(logs, files, started);
    writer.append('q-svc', `${TS} connection = mysql://root:secret@mysql/neutron`);
    const made = screenFile(logs, 'q-svc', started);
    assert.equal(fs.statSync(made).mode & 0o777, 0o600);
    writer.closeAll();
    fs.chmodSync(made, 0o644);
    new ScreenFiles(logs, files, later).append('q-svc', `${TS} again`);
    assert.equal(fs.statSync(made).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(made, 'utf8'), `${TS} connection = mysql://root:secret@mysql/neutron\n${TS} again\n`);
  });

  it('makes the directory, a new timestamped file and the symlink again after rm -rf of SCREEN_LOGDIR', () => {
    const logs = path.join(dir(), 'logs');
    const writer = new ScreenFiles(logs, {}, started, () => later);
    writer.append('q-vpn', `${TS} before`);
    fs.rmSync(logs, { recursive: true });
    assert.deepEqual(writer.check(), ['q-vpn']);
    writer.append('q-vpn', `${TS} after`);
    assert.equal(currentFile(screenLink(logs, 'q-vpn')), screenFile(logs, 'q-vpn', later));
    assert.equal(fs.readFileSync(screenLink(logs, 'q-vpn'), 'utf8'), `${TS} after\n`);
    assert.deepEqual(writer.check(), [], 'nothing to do once the file is there');
  });

  it('makes a new file when the screen file was deleted, and only points the symlink again when that alone went', () => {
    const logs = dir();
    const writer = new ScreenFiles(logs, {}, started, () => later);
    writer.append('csr', `${TS} one`);
    const first = screenFile(logs, 'csr', started);
    fs.rmSync(screenLink(logs, 'csr'));
    assert.deepEqual(writer.check(), []);
    assert.equal(currentFile(screenLink(logs, 'csr')), first);
    writer.append('csr', `${TS} two`);
    assert.equal(fs.readFileSync(first, 'utf8'), `${TS} one\n${TS} two\n`);
    fs.rmSync(first);
    assert.deepEqual(writer.check(), ['csr']);
    writer.append('csr', `${TS} three`);
    assert.equal(fs.readFileSync(screenLink(logs, 'csr'), 'utf8'), `${TS} three\n`);
  });
});

describe('LOGDAYS while the follower runs', () => {
  it('prunes at the first tick and then once a day, not at every tick', () => {
    const logs = dir();
    let now = new Date(2026, 11, 10, 12, 0, 0);
    const pruner = new Pruner(logs, ['screen-'], 7, () => now);
    const old = (day: number) => {
      const file = screenFile(logs, 'q-svc', new Date(2026, 11, day, 12, 0, 0));
      fs.writeFileSync(file, '');
      noteLogFile(file);
      return path.basename(file);
    };
    const first = old(1);
    assert.deepEqual(pruner.tick(), [first]);
    const second = old(2);
    now = new Date(2026, 11, 11, 11, 59, 0);
    assert.deepEqual(pruner.tick(), [], 'less than a day after the last pruning');
    assert.ok(fs.existsSync(path.join(logs, second)));
    now = new Date(2026, 11, 11, 12, 0, 0);
    const third = old(3);
    assert.deepEqual(pruner.tick().sort(), [second, third]);
    assert.deepEqual(
      fs.readdirSync(logs).filter((f) => f !== LOG_MANIFEST),
      [],
    );
  });
});

describe("the follower's status for lab status", () => {
  const at = (h: number, m: number, s: number) => new Date(2026, 11, 1, h, m, s);
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  it('counts the lines it could not write, keeps the first error, and says when writes work again', () => {
    const health = new FollowerHealth(42, '/home/dev/lab/logs', at(12, 0, 0));
    assert.deepEqual(describeStatus(health.status, at(12, 0, 1), '/home/dev/lab'), []);
    assert.equal(health.writeFailed(enospc, at(12, 3, 4)), true, 'the first failure is news');
    for (let i = 0; i < 1233; i++)
      assert.equal(health.writeFailed(new Error('EIO: i/o error, write'), at(12, 4, 0)), false);
    assert.deepEqual(describeStatus(health.status, at(12, 5, 0), '/home/dev/lab'), [
      'log follower: 1234 lines not written to ./logs since 12:03:04: ENOSPC: no space left on device, write',
    ]);
    assert.equal(health.writeWorked(at(12, 6, 0)), true);
    assert.equal(health.writeWorked(at(12, 6, 1)), false);
    assert.deepEqual(describeStatus(health.status, at(12, 7, 0), '/home/dev/lab'), [
      'log follower: 1234 lines not written to ./logs from 12:03:04 to 12:06:00 (ENOSPC: no space left on device, write); writing again since 12:06:00',
    ]);
    assert.equal(health.writeFailed(enospc, at(12, 8, 0)), true, 'failing again after writes worked is news');
    assert.equal(health.status.writes?.lines, 1235);
    assert.equal(health.status.writes?.code, 'ENOSPC');
    assert.equal(health.status.writes?.resumedAt, undefined);
  });

  it('says since when the engine has not answered, and from when to when it did not', () => {
    const health = new FollowerHealth(42, '/srv/logs', at(12, 0, 0));
    assert.equal(health.engineLost(new Error('connect ENOENT /var/run/docker.sock'), at(12, 1, 0)), true);
    assert.equal(health.engineLost(new Error('connect ECONNREFUSED'), at(12, 1, 5)), false);
    assert.deepEqual(describeStatus(health.status, at(12, 2, 0)), [
      'log follower: the Docker engine has been unreachable since 12:01:00 (connect ENOENT /var/run/docker.sock); it tries again',
    ]);
    assert.equal(health.engineBack(at(12, 1, 30)), true);
    assert.deepEqual(describeStatus(health.status, at(12, 2, 0)), [
      'log follower: the Docker engine was unreachable from 12:01:00 to 12:01:30; the logs were read on from where they stopped',
    ]);
    health.engineLost(new Error('the event stream ended'), at(13, 0, 0));
    health.engineBack(at(13, 0, 2));
    assert.deepEqual(describeStatus(health.status, new Date(2026, 11, 2, 8, 0, 0)), [
      'log follower: the Docker engine was unreachable from 2026-12-01 13:00:00 to 2026-12-01 13:00:02; the logs were read on from where they stopped (2 times since 2026-12-01 12:00:00)',
    ]);
  });

  it('saves the status as 0600, and in place when no new file can be made', () => {
    const labDir = dir();
    const file = path.join(labDir, 'log-follower-status.json');
    const health = new FollowerHealth(42, '/srv/logs', at(12, 0, 0));
    saveStatus(file, health.status);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const inode = fs.statSync(file).ino;
    // The file it would write first and rename cannot be made (as on a full disk).
    fs.mkdirSync(`${file}.partial`);
    health.writeFailed(
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      at(12, 3, 4),
    );
    saveStatus(file, health.status);
    assert.equal(fs.statSync(file).ino, inode, 'overwritten in place');
    assert.deepEqual(readStatus(file), health.status);
  });
});

describe("the follower's pacing", () => {
  it('waits 1 s, doubling, at most 10 s between tries to reach the engine, and from 1 s again once it answered', () => {
    const backoff = new Backoff();
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map(() => backoff.delay()),
      [1_000, 2_000, 4_000, 8_000, 10_000, 10_000],
    );
    backoff.reset();
    assert.equal(backoff.delay(), 1_000);
  });

  it('exits after 30 s without containers, but not for an engine that does not answer', () => {
    const idle = new IdleExit();
    assert.equal(idle.observe(0, 0), false);
    assert.equal(idle.observe(0, 25_000), false);
    assert.equal(idle.observe(undefined, 28_000), false, 'the engine went away: nothing is known about the containers');
    assert.equal(idle.observe(0, 31_000), false, 'the count starts again when it answers');
    assert.equal(idle.observe(0, 61_000), false);
    assert.equal(idle.observe(0, 61_001), true);
    assert.equal(idle.observe(2, 70_000), false);
  });
});
