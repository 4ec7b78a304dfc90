// The places lab writes to on the host: LAB_DIR, SCREEN_LOGDIR and LOGFILE. A value that
// points at the user's own files is refused with exit 2 before anything is written, and
// `lab clean` removes only what lab wrote in its directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanLabDir, LAB_DIR_MARKER } from '../lab/config/labdir.js';
import { lab, listFiles, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));

function project(files: Record<string, string>): string {
  const dir = scratch(files);
  dirs.push(dir);
  return dir;
}

/** Every file and directory below `dir`, with its content: to show nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, entry);
    entries[entry] = fs.lstatSync(full).isFile() ? fs.readFileSync(full, 'utf8') : '(dir)';
  }
  return entries;
}

const DRIVER_CODE = { 'my_driver/device.py': 'class MyDriver: pass\n', 'setup.cfg': '[metadata]\nname = my-driver\n' };

describe('LAB_DIR', () => {
  const refused: { title: string; localrc: string; message: RegExp; env?: (dir: string) => Record<string, string> }[] =
    [
      {
        title: "the localrc's own directory (LAB_DIR=.)",
        localrc: 'LAB_NAME=mine\nLAB_DIR=.\n',
        message:
          /localrc line 2: LAB_DIR=\. is the directory of the localrc itself: lab would write among your files; write a directory of lab's own, e.g\. LAB_DIR=\.\/\.lab\/mine/,
      },
      {
        title: 'a directory above the localrc (LAB_DIR=..)',
        localrc: 'LAB_DIR=..\n',
        message: /localrc line 1: LAB_DIR=\S+ holds the localrc's directory/,
      },
      {
        title: 'the root directory',
        localrc: 'LAB_DIR=/\n',
        message: /localrc line 1: LAB_DIR=\/ is the root directory: lab would write etc\/neutron\/\*\.conf there/,
      },
      {
        title: 'the home directory',
        localrc: 'LAB_DIR=$HOME\n',
        message: /localrc line 1: LAB_DIR=\S+ is your home directory/,
        env: (dir) => ({ HOME: path.join(dir, 'home') }),
      },
      {
        title: 'an existing directory lab did not make',
        localrc: 'LAB_DIR=./driver\n',
        message:
          /LAB_DIR=\.\/driver is a directory lab did not make \(it has no \.lab-dir and holds my_driver, setup\.cfg\)/,
      },
      { title: 'a file', localrc: 'LAB_DIR=./setup.cfg\n', message: /LAB_DIR=\.\/setup\.cfg is not a directory/ },
      {
        title: 'a path below a file',
        localrc: 'LAB_DIR=./setup.cfg/lab\n',
        message: /LAB_DIR=\.\/setup\.cfg\/lab cannot be made: \.\/setup\.cfg is not a directory/,
      },
    ];
  for (const c of refused) {
    it(`refuses ${c.title} with exit 2, writing nothing`, async () => {
      const cwd = project({
        localrc: c.localrc,
        'setup.cfg': DRIVER_CODE['setup.cfg'],
        ...Object.fromEntries(Object.entries(DRIVER_CODE).map(([k, v]) => [`driver/${k}`, v])),
        'home/.profile': '# mine\n',
      });
      const before = snapshot(cwd);
      const result = await lab(['config'], { cwd, ...(c.env ? { env: c.env(cwd) } : {}) });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, c.message);
      assert.match(result.stderr, /nothing was started or written/);
      assert.deepEqual(snapshot(cwd), before);
    });
  }

  it('refuses the directory of another lab, naming it', async () => {
    const cwd = project({ localrc: 'LAB_NAME=one\n' });
    assert.equal((await lab(['config'], { cwd })).code, 0);
    fs.writeFileSync(path.join(cwd, 'localrc'), `LAB_NAME=two\nLAB_DIR=${path.join(cwd, '.lab', 'one')}\n`);
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /LAB_DIR=\.\/\.lab\/one belongs to lab "one" \(its \.lab-dir says so\)/);
  });

  it("makes the lab directory and its subdirectories 0700, marked as lab's, with its files 0600", async () => {
    const cwd = project({ localrc: 'LAB_NAME=modes\n' });
    assert.equal((await lab(['config'], { cwd })).code, 0);
    const labDir = path.join(cwd, '.lab', 'modes');
    for (const dir of [
      path.join(cwd, '.lab'),
      labDir,
      path.join(labDir, 'etc'),
      path.join(labDir, 'etc', 'neutron'),
      path.join(labDir, 'etc', 'neutron', 'plugins', 'ml2'),
    ]) {
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700, dir);
    }
    for (const file of listFiles(labDir)) assert.equal(fs.statSync(path.join(labDir, file)).mode & 0o777, 0o600, file);
    const marker = JSON.parse(fs.readFileSync(path.join(labDir, LAB_DIR_MARKER), 'utf8')) as {
      lab: string;
      files: string[];
    };
    assert.equal(marker.lab, 'modes');
    assert.deepEqual(marker.files.sort(), [
      'etc/neutron/l3_agent.ini',
      'etc/neutron/neutron.conf',
      'etc/neutron/neutron_vpnaas.conf',
      'etc/neutron/plugins/ml2/ml2_conf.ini',
    ]);
  });

  it('takes over an empty directory, and keeps the directory itself when cleaning', async () => {
    const cwd = project({ localrc: 'LAB_DIR=./mine\n' });
    fs.mkdirSync(path.join(cwd, 'mine'));
    assert.equal((await lab(['config'], { cwd })).code, 0);
    assert.ok(fs.existsSync(path.join(cwd, 'mine', 'etc', 'neutron', 'neutron.conf')));
    const cleaned = cleanLabDir(path.join(cwd, 'mine'), 'lab');
    assert.equal(cleaned.removedDir, false);
    assert.deepEqual(fs.readdirSync(path.join(cwd, 'mine')), []);
  });

  it('uses a lab directory made before markers existed, and marks it', async () => {
    const cwd = project({
      localrc: 'LAB_NAME=old\n',
      '.lab/old/passwords':
        '# Passwords lab generated for this lab because the localrc sets none. Kept so re-runs reuse them.\nDATABASE_PASSWORD=0123456789abcdef01234567\n',
      '.lab/old/etc/neutron/neutron.conf': '[DEFAULT]\n',
    });
    const result = await lab(['config', '--show-secrets', '--json'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      (JSON.parse(result.stdout) as { variables: Record<string, { value: string }> }).variables.DATABASE_PASSWORD
        ?.value,
      '0123456789abcdef01234567',
      'its passwords are kept',
    );
    assert.ok(fs.existsSync(path.join(cwd, '.lab', 'old', LAB_DIR_MARKER)));
  });
});

describe('lab clean in the lab directory', () => {
  it('removes what lab wrote and keeps what it did not, then the directory only once it is empty', async () => {
    const cwd = project({ localrc: 'LAB_NAME=tidy\n' });
    assert.equal((await lab(['config'], { cwd })).code, 0);
    const labDir = path.join(cwd, '.lab', 'tidy');
    fs.writeFileSync(path.join(labDir, 'notes.txt'), 'mine\n');
    fs.writeFileSync(path.join(labDir, 'etc', 'neutron', 'my.ini'), '[x]\n');
    const first = cleanLabDir(labDir, 'tidy');
    assert.deepEqual(first.kept.sort(), ['etc/neutron/my.ini', 'notes.txt']);
    assert.ok(
      first.removed.includes('passwords') &&
        first.removed.includes('etc/neutron/neutron.conf') &&
        first.removed.includes(LAB_DIR_MARKER),
    );
    assert.equal(first.removedDir, false);
    assert.deepEqual(listFiles(labDir), ['etc/neutron/my.ini', 'notes.txt']);
    // The marker is gone: the directory is no longer provably lab's, and is left alone.
    const second = cleanLabDir(labDir, 'tidy');
    assert.match(second.leftAlone ?? '', /is not lab "tidy"'s directory \(no \.lab-dir in it\): left as it is/);
    assert.deepEqual(listFiles(labDir), ['etc/neutron/my.ini', 'notes.txt']);
  });

  it("removes the directory and its .lab parent when only lab's files were in it", async () => {
    const cwd = project({ localrc: 'LAB_NAME=gone\n' });
    assert.equal((await lab(['config'], { cwd })).code, 0);
    const result = cleanLabDir(path.join(cwd, '.lab', 'gone'), 'gone');
    assert.equal(result.removedDir, true);
    assert.deepEqual(fs.readdirSync(cwd), ['localrc']);
  });

  it("never touches a directory that is not the lab's, whatever the label or localrc names", () => {
    const cwd = project({
      localrc: 'LAB_NAME=x\n',
      ...DRIVER_CODE,
      passwords: "not lab's\n",
      'etc/neutron/neutron.conf': 'mine\n',
    });
    const before = snapshot(cwd);
    const result = cleanLabDir(cwd, 'x');
    assert.match(result.leftAlone ?? '', /no \.lab-dir in it/);
    assert.deepEqual(snapshot(cwd), before);
  });

  it('does not follow a symlink planted where lab keeps a file', async () => {
    const cwd = project({ localrc: 'LAB_NAME=links\n', 'outside/precious': 'keep me\n' });
    assert.equal((await lab(['config'], { cwd })).code, 0);
    const labDir = path.join(cwd, '.lab', 'links');
    fs.rmSync(path.join(labDir, 'passwords'));
    fs.symlinkSync(path.join(cwd, 'outside', 'precious'), path.join(labDir, 'passwords'));
    fs.rmSync(path.join(labDir, 'etc', 'neutron'), { recursive: true });
    fs.symlinkSync(path.join(cwd, 'outside'), path.join(labDir, 'etc', 'neutron'));
    fs.writeFileSync(path.join(cwd, 'outside', 'neutron.conf'), 'mine too\n');
    cleanLabDir(labDir, 'links');
    assert.equal(fs.readFileSync(path.join(cwd, 'outside', 'precious'), 'utf8'), 'keep me\n');
    assert.equal(fs.readFileSync(path.join(cwd, 'outside', 'neutron.conf'), 'utf8'), 'mine too\n');
  });
});

describe('LOGFILE and SCREEN_LOGDIR', () => {
  const refused: { title: string; files: Record<string, string>; localrc: string; message: RegExp }[] = [
    {
      title: 'a LOGFILE naming the localrc',
      files: {},
      localrc: 'LOGFILE=./localrc\n',
      message:
        /localrc line 2: LOGFILE=\.\/localrc is a file lab did not write: lab would replace it with a link to its log; write a new path/,
    },
    {
      title: 'a LOGFILE naming a directory',
      files: { 'src/x.py': '' },
      localrc: 'LOGFILE=./src\n',
      message: /LOGFILE=\.\/src is a directory/,
    },
    {
      title: 'a LOGFILE that is a symlink lab did not make',
      files: { 'notes.txt': 'mine\n' },
      localrc: 'LOGFILE=./link\n',
      message: /LOGFILE=\.\/link is a symlink lab did not make/,
    },
    {
      title: 'a SCREEN_LOGDIR naming a file',
      files: { 'notes.txt': 'mine\n' },
      localrc: 'SCREEN_LOGDIR=./notes.txt\n',
      message: /localrc line 2: SCREEN_LOGDIR=\.\/notes\.txt is not a directory/,
    },
    {
      title: 'a SCREEN_LOGDIR below a file',
      files: { 'notes.txt': 'mine\n' },
      localrc: 'SCREEN_LOGDIR=./notes.txt/logs\n',
      message: /SCREEN_LOGDIR=\.\/notes\.txt\/logs cannot be made: \.\/notes\.txt is not a directory/,
    },
    {
      title: "a SCREEN_LOGDIR holding a screen log that is not lab's link",
      files: { 'logs/screen-q-svc.log': 'my own capture\n' },
      localrc: 'SCREEN_LOGDIR=./logs\n',
      message: /SCREEN_LOGDIR=\.\/logs holds screen-q-svc\.log, not lab's/,
    },
  ];
  for (const c of refused) {
    it(`lab stack refuses ${c.title} with exit 2, before anything starts`, async () => {
      const cwd = project({ localrc: `LAB_NAME=places${process.pid}\n${c.localrc}`, ...c.files });
      if (c.localrc.includes('./link')) fs.symlinkSync('notes.txt', path.join(cwd, 'link'));
      const before = snapshot(cwd);
      const result = await lab(['stack'], { cwd });
      assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stderr, c.message);
      assert.deepEqual(snapshot(cwd), before, 'the localrc and every other file are as they were');
    });
  }

  it('accepts the screen log links lab made on an earlier run', async () => {
    const cwd = project({ localrc: 'SCREEN_LOGDIR=./logs\n', 'logs/screen-q-svc.2026-01-02-030405.log': 'a line\n' });
    fs.symlinkSync('screen-q-svc.2026-01-02-030405.log', path.join(cwd, 'logs', 'screen-q-svc.log'));
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
  });

  it('accepts the LOGFILE link lab made on an earlier run', async () => {
    const cwd = project({ localrc: 'LOGFILE=./stack.log\n', 'stack.log.2026-01-02-030405': 'an earlier run\n' });
    fs.symlinkSync('stack.log.2026-01-02-030405', path.join(cwd, 'stack.log'));
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
  });
});
