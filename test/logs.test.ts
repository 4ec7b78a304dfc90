import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { maskSecrets } from '../lab/mask.js';
import { resumeFrom } from '../lab/logs/position.js';
import { interleave, LogFollower, parseSince, readServiceLog, selectLines } from '../lab/logs/read.js';
import { startRunLog } from '../lab/logs/runlog.js';
import {
  currentFile,
  logTimestamp,
  noteLogFile,
  pointLink,
  pruneLogs,
  screenFile,
  screenLink,
  sortableTimestamp,
} from '../lab/logs/screen.js';
import { scratchDirs } from './helpers.js';

const dir = scratchDirs();

describe('screen log naming', () => {
  it('stamps files as DevStack does (%F-%H%M%S) and points the symlink at the newest', () => {
    const logs = dir();
    assert.equal(logTimestamp(new Date(2026, 11, 1, 14, 22, 0)), '2026-12-01-142200');
    const older = screenFile(logs, 'q-vpn', new Date(2026, 11, 1, 14, 22, 0));
    const newer = screenFile(logs, 'q-vpn', new Date(2026, 11, 1, 15, 0, 5));
    assert.equal(path.basename(older), 'screen-q-vpn.2026-12-01-142200.log');
    fs.writeFileSync(older, 'a\n');
    fs.writeFileSync(newer, 'b\n');
    pointLink(screenLink(logs, 'q-vpn'), older);
    pointLink(screenLink(logs, 'q-vpn'), newer);
    assert.equal(
      fs.readlinkSync(path.join(logs, 'screen-q-vpn.log')),
      'screen-q-vpn.2026-12-01-150005.log',
      'a relative link, so the log dir can move',
    );
    assert.equal(currentFile(screenLink(logs, 'q-vpn')), newer);
  });

  it('prunes timestamped logs lab made older than LOGDAYS, but never a file a symlink points at', () => {
    const logs = dir();
    const now = new Date(2026, 11, 10, 12, 0, 0);
    const old = screenFile(logs, 'q-svc', new Date(2026, 11, 1, 12, 0, 0));
    const oldButCurrent = screenFile(logs, 'q-vpn', new Date(2026, 11, 1, 12, 0, 0));
    const recent = screenFile(logs, 'q-svc', new Date(2026, 11, 8, 12, 0, 0));
    for (const f of [old, oldButCurrent, recent]) {
      fs.writeFileSync(f, '');
      noteLogFile(f);
    }
    fs.writeFileSync(path.join(logs, 'notes.2026-01-01-000000.log'), '');
    pointLink(screenLink(logs, 'q-vpn'), oldButCurrent);
    assert.deepEqual(pruneLogs(logs, ['screen-'], 7, now), [path.basename(old)]);
    assert.ok(
      fs.existsSync(oldButCurrent) &&
        fs.existsSync(recent) &&
        fs.existsSync(path.join(logs, 'notes.2026-01-01-000000.log')),
    );
  });

  it('never prunes a stamped log lab did not make (a DevStack screen log in the same directory)', () => {
    const logs = dir();
    const devstack = path.join(logs, 'screen-q-svc.2020-01-01-000000.log');
    fs.writeFileSync(devstack, 'from an old DevStack run\n');
    assert.deepEqual(pruneLogs(logs, ['screen-'], 7, new Date(2026, 11, 10)), []);
    assert.equal(fs.readFileSync(devstack, 'utf8'), 'from an old DevStack run\n');
  });

  it('compares Docker timestamps of different fraction widths in time order', () => {
    assert.ok(sortableTimestamp('2026-12-01T15:00:00.5Z') > sortableTimestamp('2026-12-01T15:00:00.123456789Z'));
    assert.ok(sortableTimestamp('2026-12-01T15:00:01Z') > sortableTimestamp('2026-12-01T15:00:00.999999999Z'));
  });
});

describe('resuming a container log', () => {
  it('writes each line once when the same log is read again from an earlier point', () => {
    const position = { ts: '', same: 0 };
    const first = resumeFrom(position);
    const log = ['2026-12-01T15:00:00.1Z', '2026-12-01T15:00:00.2Z', '2026-12-01T15:00:00.2Z'];
    assert.deepEqual(log.map(first), [true, true, true]);
    // Re-attached: Docker sends the same lines again from the second, then new ones.
    const second = resumeFrom(position);
    const again = [...log, '2026-12-01T15:00:00.2Z', '2026-12-01T15:00:05Z'];
    assert.deepEqual(again.map(second), [false, false, false, true, true]);
    assert.deepEqual(position, { ts: sortableTimestamp('2026-12-01T15:00:05Z'), same: 1 });
  });
});

describe('reading screen logs', () => {
  const write = (logs: string, service: string, lines: string[], date = new Date(2026, 11, 1, 15, 0, 0)) => {
    const file = screenFile(logs, service, date);
    fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    pointLink(screenLink(logs, service), file);
    return file;
  };

  it('interleaves several services by time and takes the last N of each', () => {
    const logs = dir();
    write(logs, 'q-svc', [
      '2026-12-01T15:00:01Z svc one',
      '2026-12-01T15:00:03Z svc two',
      '2026-12-01T15:00:05Z svc three',
    ]);
    write(logs, 'q-vpn', ['2026-12-01T15:00:02Z vpn one', '2026-12-01T15:00:04Z vpn two']);
    const merged = interleave(['q-svc', 'q-vpn'].map((s) => selectLines(readServiceLog(logs, s), { tail: 2 })));
    assert.deepEqual(
      merged.map((l) => l.text),
      ['vpn one', 'svc two', 'vpn two', 'svc three'],
    );
    assert.deepEqual(
      selectLines(readServiceLog(logs, 'q-svc'), { since: new Date('2026-12-01T15:00:03Z') }).map((l) => l.text),
      ['svc two', 'svc three'],
    );
    assert.deepEqual(readServiceLog(logs, 'nothing'), []);
  });

  it('parses --since durations', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    assert.equal(parseSince('90s', now)?.toISOString(), '2026-12-01T11:58:30.000Z');
    assert.equal(parseSince('1h30m', now)?.toISOString(), '2026-12-01T10:30:00.000Z');
    assert.equal(parseSince('2026-12-01T11:00:00Z', now)?.toISOString(), '2026-12-01T11:00:00.000Z');
    assert.equal(parseSince('soon', now), undefined);
    assert.equal(parseSince('10x', now), undefined);
  });

  it('follows appended lines, and a new file when the symlink moves', () => {
    const logs = dir();
    const first = write(logs, 'q-vpn', ['2026-12-01T15:00:00Z before']);
    const follower = new LogFollower(logs, 'q-vpn');
    assert.deepEqual(follower.poll(), []);
    fs.appendFileSync(first, '2026-12-01T15:00:01Z after restart\n2026-12-01T15:00:02Z par');
    assert.deepEqual(
      follower.poll().map((l) => l.text),
      ['after restart'],
    );
    fs.appendFileSync(first, 'tial\n');
    assert.deepEqual(
      follower.poll().map((l) => l.text),
      ['partial'],
    );
    write(logs, 'q-vpn', ['2026-12-01T16:00:00Z new stack'], new Date(2026, 11, 1, 16, 0, 0));
    assert.deepEqual(
      follower.poll().map((l) => l.text),
      ['new stack'],
    );
  });
});

describe('the run log (LOGFILE)', () => {
  it('copies what the run prints into LOGFILE.<timestamp>, links LOGFILE to it, and prunes old runs', () => {
    const logs = dir();
    const logFile = path.join(logs, 'stack.log');
    fs.writeFileSync(`${logFile}.2026-01-01-000000`, 'an old run\n');
    noteLogFile(`${logFile}.2026-01-01-000000`);
    const stop = startRunLog(logFile, 7, new Date(2026, 11, 1, 9, 30, 0));
    process.stdout.write('\u001b[32mcoloured\u001b[39m line from the run\n');
    stop();
    assert.equal(fs.readlinkSync(logFile), 'stack.log.2026-12-01-093000');
    assert.equal(fs.readFileSync(logFile, 'utf8'), 'coloured line from the run\n');
    assert.equal(fs.existsSync(`${logFile}.2026-01-01-000000`), false);
    assert.equal(fs.statSync(`${logFile}.2026-12-01-093000`).mode & 0o777, 0o600);
  });
});

describe('masking', () => {
  it('masks known secrets, their URL-encoded form and passwords written into URLs', () => {
    assert.equal(
      maskSecrets('pw=s3cr$t url=rabbit://u:s3cr%24t@rabbit:5672/', ['s3cr$t']),
      'pw=******** url=rabbit://u:********@rabbit:5672/',
    );
    assert.equal(
      maskSecrets('connection = mysql+pymysql://root:typed-by-hand@mysql/neutron', []),
      'connection = mysql+pymysql://root:********@mysql/neutron',
    );
    assert.equal(maskSecrets('see https://example.invalid/x and a:b@c', []), 'see https://example.invalid/x and a:b@c');
  });
});
