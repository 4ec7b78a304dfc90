// The catalogue of hostile and careless input, tried as a user would: each localrc (or
// local.conf, file layout, environment) against `lab config`, and each request against
// the CSR simulator. test/catalogue.test.ts holds lab to it; `npm run catalogue` counts
// the outcomes for any build of lab (`-- --root DIR`), to compare one with another.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { cleanEnv, removeScratch, scratch, selfSignedCert, withoutReadingAnyFile } from './helpers.js';

export interface InputCase {
  title: string;
  files: Record<string, string>;
  /** Made after the files: symlinks, FIFOs, modes. */
  setup?: (dir: string) => void;
  args?: string[];
  env?: (dir: string) => Record<string, string>;
  /** Run lab without root's power to read any file (what makes a file unreadable to root's lab). */
  unprivileged?: boolean;
  /** What the message must name (a file, a line, a variable). */
  names: RegExp;
}

export type Outcome = 'refused' | 'accepted' | 'stack trace' | 'hang' | 'raw control bytes' | 'other exit';

export interface CaseResult {
  title: string;
  outcome: Outcome;
  code: number | null;
  ms: number;
  stderr: string;
  /** The message named what it had to. */
  named: boolean;
  /** Files or directories of the scratch project changed or gone. */
  lost: string[];
  /** Processes lab left running in the scratch project (killed once counted). */
  running: string[];
}

const PROVIDER = 'VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default';
const PROJECT = {
  'driver/my_driver/__init__.py': '',
  'driver/my_driver/device.py': 'class MyDriver: pass\n',
  'notes.txt': 'mine\n',
};

export const INPUT_CASES: InputCase[] = [
  // LAB_DIR and the places lab writes (points 1, 2, 6 of issue 11)
  {
    title: 'LAB_DIR=. (the project itself)',
    files: { localrc: 'LAB_DIR=.\n', ...PROJECT },
    names: /localrc line 1: LAB_DIR/,
  },
  {
    title: 'LAB_DIR=.. (above the project)',
    files: { 'project/localrc': 'LAB_DIR=..\n', ...PROJECT },
    args: ['--localrc', 'project/localrc'],
    names: /LAB_DIR/,
  },
  { title: 'LAB_DIR=/', files: { localrc: 'LAB_DIR=/\n' }, names: /LAB_DIR/ },
  {
    title: 'LAB_DIR=$HOME',
    files: { localrc: 'LAB_DIR=$HOME\n', 'home/.profile': '# mine\n' },
    env: (dir) => ({ HOME: path.join(dir, 'home') }),
    names: /LAB_DIR/,
  },
  {
    title: 'LAB_DIR naming the driver checkout',
    files: { localrc: 'LAB_DIR=./driver\n', ...PROJECT },
    names: /LAB_DIR/,
  },
  { title: 'LAB_DIR naming a file', files: { localrc: 'LAB_DIR=./notes.txt\n', ...PROJECT }, names: /LAB_DIR/ },
  { title: 'LAB_DIR below a file', files: { localrc: 'LAB_DIR=./notes.txt/lab\n', ...PROJECT }, names: /LAB_DIR/ },
  {
    title: 'LAB_DIR a broken symlink',
    files: { localrc: 'LAB_DIR=./gone\n' },
    setup: (d) => fs.symlinkSync('nowhere', path.join(d, 'gone')),
    names: /LAB_DIR/,
  },
  {
    title: 'LAB_DIR of another lab',
    files: {
      localrc: 'LAB_NAME=two\nLAB_DIR=./.lab/one\n',
      '.lab/one/.lab-dir': '{"lab": "one", "created": true, "files": []}\n',
    },
    names: /LAB_DIR/,
  },
  { title: 'LOGFILE naming the localrc', files: { localrc: 'LOGFILE=./localrc\n' }, names: /LOGFILE/ },
  { title: 'LOGFILE naming a directory', files: { localrc: 'LOGFILE=./driver\n', ...PROJECT }, names: /LOGFILE/ },
  {
    title: 'LOGFILE a symlink to a user file',
    files: { localrc: 'LOGFILE=./link\n', ...PROJECT },
    setup: (d) => fs.symlinkSync('notes.txt', path.join(d, 'link')),
    names: /LOGFILE/,
  },
  {
    title: 'SCREEN_LOGDIR naming a file',
    files: { localrc: 'SCREEN_LOGDIR=./notes.txt\n', ...PROJECT },
    names: /SCREEN_LOGDIR/,
  },
  {
    title: 'SCREEN_LOGDIR below a file',
    files: { localrc: 'SCREEN_LOGDIR=./notes.txt/logs\n', ...PROJECT },
    names: /SCREEN_LOGDIR/,
  },
  {
    title: "SCREEN_LOGDIR holding a user's screen-q-svc.log",
    files: { localrc: 'SCREEN_LOGDIR=./logs\n', 'logs/screen-q-svc.log': 'my capture\n' },
    names: /SCREEN_LOGDIR/,
  },
  // The localrc itself (points 3, 6)
  {
    title: 'a localrc that sleeps',
    files: { localrc: 'LAB_NAME=x\nsleep 100000\n' },
    env: () => ({ LAB_LOCALRC_TIMEOUT: '3' }),
    names: /localrc/,
  },
  {
    title: 'a localrc that sleeps in the background',
    files: { localrc: 'LAB_NAME=x\nsleep 100001 &\n' },
    env: () => ({ LAB_LOCALRC_TIMEOUT: '3' }),
    names: /localrc/,
  },
  {
    title: 'a localrc whose child ignores SIGTERM',
    files: { localrc: 'LAB_NAME=x\nbash -c \'trap "" TERM; sleep 100002\'\n' },
    env: () => ({ LAB_LOCALRC_TIMEOUT: '3' }),
    names: /localrc/,
  },
  {
    title: 'an unreadable --localrc',
    files: { 'my.localrc': 'LAB_NAME=x\n' },
    setup: (d) => fs.chmodSync(path.join(d, 'my.localrc'), 0o000),
    args: ['--localrc', 'my.localrc'],
    unprivileged: true,
    names: /my\.localrc/,
  },
  {
    title: 'a broken ./localrc symlink',
    files: {},
    setup: (d) => fs.symlinkSync('../moved/localrc', path.join(d, 'localrc')),
    names: /localrc/,
  },
  {
    title: 'a broken ./local.conf symlink',
    files: {},
    setup: (d) => fs.symlinkSync('../moved/local.conf', path.join(d, 'local.conf')),
    names: /local\.conf/,
  },
  {
    title: 'a ./localrc symlink loop',
    files: {},
    setup: (d) => {
      fs.symlinkSync('localrc.b', path.join(d, 'localrc'));
      fs.symlinkSync('localrc', path.join(d, 'localrc.b'));
    },
    names: /localrc/,
  },
  {
    title: 'a --localrc symlink loop',
    files: {},
    setup: (d) => {
      fs.symlinkSync('b', path.join(d, 'a'));
      fs.symlinkSync('a', path.join(d, 'b'));
    },
    args: ['--localrc', 'a'],
    names: /\ba\b/,
  },
  { title: 'a ./localrc that is a directory', files: { 'localrc/x': '' }, names: /localrc/ },
  { title: 'a ./localrc that is a FIFO', files: {}, setup: (d) => mkfifo(path.join(d, 'localrc')), names: /localrc/ },
  {
    title: 'a localrc with CRLF line endings',
    files: { localrc: 'LAB_NAME=win\r\nQ_PORT=9696\r\n' },
    names: /localrc/,
  },
  {
    title: 'a local.conf with CRLF line endings',
    files: { 'local.conf': '[[local|localrc]]\r\nLAB_NAME=win\r\n' },
    names: /local\.conf/,
  },
  { title: 'an escape sequence in a value', files: { localrc: "LAB_NAME=$'\\e[31mred\\e[0m'\n" }, names: /LAB_NAME/ },
  // Values lab must refuse before anything starts (point 5)
  {
    title: 'FIXED_RANGE overlapping FLOATING_RANGE',
    files: { localrc: 'FIXED_RANGE=172.24.4.128/25\n' },
    names: /FIXED_RANGE/,
  },
  {
    title: 'FIXED_RANGE overlapping STRONGSWAN_SUBNET',
    files: { localrc: 'FIXED_RANGE=10.2.0.0/24\n' },
    names: /FIXED_RANGE|STRONGSWAN_SUBNET/,
  },
  {
    title: 'STRONGSWAN_SUBNET overlapping FLOATING_RANGE',
    files: { localrc: 'STRONGSWAN_SUBNET=172.24.4.0/26\n' },
    names: /STRONGSWAN_SUBNET/,
  },
  { title: 'Q_PORT equal to CSR_PORT', files: { localrc: 'Q_PORT=55443\n' }, names: /Q_PORT|CSR_PORT/ },
  {
    title: 'FLOATING_RANGE with host bits set',
    files: { localrc: 'FLOATING_RANGE=172.24.4.5/24\n' },
    names: /FLOATING_RANGE/,
  },
  { title: 'FIXED_RANGE with host bits set', files: { localrc: 'FIXED_RANGE=10.0.0.9/24\n' }, names: /FIXED_RANGE/ },
  {
    title: 'STRONGSWAN_SUBNET with host bits set',
    files: { localrc: 'STRONGSWAN_SUBNET=10.2.0.1/24\n' },
    names: /STRONGSWAN_SUBNET/,
  },
  {
    title: 'an enable_plugin directory holding ":"',
    files: { localrc: 'enable_plugin mine ./a:b\n', 'a:b/x.py': '' },
    names: /localrc line 1/,
  },
  {
    title: 'an enable_plugin NAME holding "/"',
    files: { localrc: 'enable_plugin a/b ./driver\n', ...PROJECT },
    names: /localrc line 1/,
  },
  {
    title: 'an enable_plugin NAME ".."',
    files: { localrc: 'enable_plugin .. ./driver\n', ...PROJECT },
    names: /localrc line 1/,
  },
  {
    title: 'an enable_plugin NAME holding ":"',
    files: { localrc: 'enable_plugin a:b ./driver\n', ...PROJECT },
    names: /localrc line 1/,
  },
  {
    title: 'two enable_plugin of one NAME and two directories',
    files: { localrc: 'enable_plugin mine ./driver\nenable_plugin mine ./other\n', ...PROJECT, 'other/x.py': '' },
    names: /localrc line 2/,
  },
  {
    title: 'a provider list with no VPN provider',
    files: { localrc: 'NEUTRON_VPNAAS_SERVICE_PROVIDER=FIREWALL:fw:a.b.Driver:default\n' },
    names: /NEUTRON_VPNAAS_SERVICE_PROVIDER/,
  },
  {
    title: 'a password holding a newline',
    files: { localrc: "DATABASE_PASSWORD=$'abc\\n[database]\\nconnection = sqlite://'\n" },
    names: /DATABASE_PASSWORD/,
  },
  {
    title: 'a user name holding a newline',
    files: { localrc: "RABBIT_USERID=$'stack\\nrabbit'\n" },
    names: /RABBIT_USERID/,
  },
  { title: 'a PSK holding a newline', files: { localrc: "STRONGSWAN_PSK=$'a\\nb'\n" }, names: /STRONGSWAN_PSK/ },
  {
    title: 'IKE proposals holding a newline',
    files: { localrc: "STRONGSWAN_IKE_PROPOSALS=$'aes128-sha1-modp1536\\nfoo'\n" },
    names: /STRONGSWAN_IKE_PROPOSALS/,
  },
  {
    title: 'a device driver holding a carriage return',
    files: {
      localrc:
        "NEUTRON_VPNAAS_DEVICE_DRIVER=$'neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver\\r'\n",
    },
    names: /NEUTRON_VPNAAS_DEVICE_DRIVER/,
  },
  // Refused before issue 11 too: kept here so that the counts stay comparable
  { title: 'an unknown service', files: { localrc: 'ENABLED_SERVICES=mysql,q-vnp\n' }, names: /localrc line 1/ },
  { title: 'a port that is not a number', files: { localrc: 'Q_PORT=http\n' }, names: /Q_PORT/ },
  { title: 'a port out of range', files: { localrc: 'CSR_PORT=70000\n' }, names: /CSR_PORT/ },
  { title: 'a negative LOGDAYS', files: { localrc: 'LOGDAYS=-1\n' }, names: /LOGDAYS/ },
  {
    title: 'a FLOATING_RANGE too small',
    files: { localrc: 'FLOATING_RANGE=172.24.4.0/30\n' },
    names: /FLOATING_RANGE/,
  },
  {
    title: 'a STRONGSWAN_IP in the floating pool',
    files: { localrc: 'STRONGSWAN_IP=172.24.4.200\n' },
    names: /STRONGSWAN_IP/,
  },
  {
    title: 'an IPSEC_PACKAGE lab does not know',
    files: { localrc: 'IPSEC_PACKAGE=openswan\n' },
    names: /IPSEC_PACKAGE/,
  },
  {
    title: 'two default VPN providers',
    files: { localrc: `NEUTRON_VPNAAS_SERVICE_PROVIDER="${PROVIDER} VPN:mine:my.Driver:default"\n` },
    names: /NEUTRON_VPNAAS_SERVICE_PROVIDER/,
  },
  {
    title: 'a malformed provider',
    files: { localrc: 'NEUTRON_VPNAAS_SERVICE_PROVIDER=VPN:broken\n' },
    names: /NEUTRON_VPNAAS_SERVICE_PROVIDER/,
  },
  {
    title: 'a device driver with ":" before the class',
    files: { localrc: 'NEUTRON_VPNAAS_DEVICE_DRIVER=a.b:C\n' },
    names: /NEUTRON_VPNAAS_DEVICE_DRIVER/,
  },
  { title: 'a LAB_NAME that cannot name containers', files: { localrc: 'LAB_NAME="My Lab"\n' }, names: /LAB_NAME/ },
  { title: 'a bash syntax error', files: { localrc: 'LAB_NAME=x\nFOO=(unclosed\n' }, names: /localrc line 2/ },
  { title: 'a localrc that exits', files: { localrc: 'exit 0\n' }, names: /localrc/ },
  {
    title: 'enable_plugin of a remote URL',
    files: { localrc: 'enable_plugin mine https://example.invalid/mine.git\n' },
    names: /localrc line 1/,
  },
  {
    title: 'enable_plugin of a missing directory',
    files: { localrc: 'enable_plugin mine ./nowhere\n' },
    names: /localrc line 1/,
  },
  {
    title: 'a post-config option before any section',
    files: { 'local.conf': '[[post-config|$NEUTRON_CONF]]\ndebug = True\n' },
    names: /local\.conf line 2/,
  },
  {
    title: 'an unterminated meta-section header',
    files: { 'local.conf': '[[post-config|$NEUTRON_CONF\n' },
    names: /local\.conf line 1/,
  },
  { title: 'a --localrc that does not exist', files: {}, args: ['--localrc', 'nowhere'], names: /--localrc/ },
  {
    title: 'a --localrc that is a directory',
    files: { 'conf/x': '' },
    args: ['--localrc', 'conf'],
    names: /--localrc/,
  },
];

function mkfifo(file: string): void {
  if (spawnSync('mkfifo', [file], { stdio: 'ignore' }).status !== 0) throw new Error(`mkfifo ${file} failed`);
}

/** Runs one case against the lab CLI at `root` (a built checkout), bounded by `limitMs`. */
export async function runInputCase(c: InputCase, root: string, limitMs = 30_000): Promise<CaseResult> {
  const dir = scratch(c.files);
  try {
    c.setup?.(dir);
    const before = snapshot(dir);
    const started = Date.now();
    const { code, stderr, timedOut } = await runCli(
      path.join(root, 'bin', 'lab.js'),
      ['config', ...(c.args ?? [])],
      dir,
      { ...(c.env?.(dir) ?? {}) },
      limitMs,
      c.unprivileged === true,
    );
    const ms = Date.now() - started;
    const running = await leftRunning(dir);
    const after = snapshot(dir);
    const lost = Object.keys(before).filter((k) => before[k] !== after[k]);
    let outcome: Outcome;
    if (timedOut) outcome = 'hang';
    else if (/\n\s+at .+\(.*:\d+:\d+\)|\n\s+at .+:\d+:\d+/.test(stderr)) outcome = 'stack trace';
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(stderr)) outcome = 'raw control bytes';
    else if (code === 2) outcome = 'refused';
    else if (code === 0) outcome = 'accepted';
    else outcome = 'other exit';
    return { title: c.title, outcome, code, ms, stderr, named: c.names.test(stderr), lost, running };
  } finally {
    removeScratch(dir);
  }
}

function runCli(
  cli: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  limitMs: number,
  unprivileged: boolean,
): Promise<{ code: number | null; stderr: string; timedOut: boolean }> {
  const [command, argv] = unprivileged
    ? withoutReadingAnyFile(process.execPath, [cli, ...args])
    : [process.execPath, [cli, ...args]];
  return new Promise((resolve) => {
    const child = spawn(command, argv, {
      cwd,
      env: cleanEnv(env),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole group: whatever the localrc started goes too.
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Whatever it left in its group (a hang's children) does not outlive the case.
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // Nothing left.
      }
      resolve({ code, stderr, timedOut });
    });
  });
}

/** Processes whose working directory is `dir` or below: what a localrc started there. */
function runningIn(dir: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`))
        found.set(Number(pid), fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // Gone meanwhile, or not ours to look at.
    }
  }
  return found;
}

/**
 * What is still running in `dir` once lab has exited, after `graceMs` for a group being
 * ended; then killed, so that an older build's leftovers do not outlive the case.
 */
async function leftRunning(dir: string, graceMs = 3_000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  while (runningIn(dir).size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const left = runningIn(dir);
  for (const pid of left.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Ended by itself.
    }
  }
  return [...left.values()];
}

/** Every entry below `dir` with its content (files) or kind, not following symlinks. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const next = path.join(relative, entry.name);
      const full = path.join(dir, next);
      if (entry.isDirectory()) {
        entries[next] = 'dir';
        walk(next);
      } else if (entry.isSymbolicLink()) entries[next] = `-> ${fs.readlinkSync(full)}`;
      else if (entry.isFile()) {
        try {
          entries[next] = fs.readFileSync(full, 'utf8');
        } catch {
          entries[next] = 'unreadable';
        }
      } else entries[next] = 'special';
    }
  };
  walk('');
  return entries;
}

// ---- the CSR simulator ----

export interface CsrCase {
  title: string;
  /** One exchange with a running simulator; what it answered (status), or why it did not. */
  send: (sim: RunningSimulator) => Promise<number | 'no answer'>;
  /** The answer the device would give. */
  expect: number;
}

export type CsrOutcome = 'answered as the device' | 'wrong answer' | 'crashed' | 'no answer' | 'memory grew';

export interface RunningSimulator {
  port: number;
  token: () => Promise<string>;
  request: (
    method: string,
    pathname: string,
    options?: { token?: string; body?: string | Buffer; headers?: Record<string, string> },
  ) => Promise<number | 'no answer'>;
}

const json = (value: unknown) => JSON.stringify(value);
const ROUTE = (via: string) => json({ 'destination-network': '10.1.0.0/24', 'outgoing-interface': via });

export const CSR_CASES: CsrCase[] = [
  {
    title: 'a static route whose outgoing-interface is not Latin-1',
    expect: 400,
    send: async (s) =>
      s.request('POST', '/api/v1/routing-svc/static-routes', {
        token: await s.token(),
        body: ROUTE('GigabitEthernet1\u2603'),
      }),
  },
  {
    title: 'a static route whose outgoing-interface holds a control character',
    expect: 400,
    send: async (s) =>
      s.request('POST', '/api/v1/routing-svc/static-routes', {
        token: await s.token(),
        body: ROUTE('Gi1\r\nX-Injected: 1'),
      }),
  },
  {
    title: 'a malformed percent escape in a path',
    expect: 400,
    send: async (s) => s.request('GET', '/api/v1/vpn-svc/ike/policies/%E0%A4%A', { token: await s.token() }),
  },
  {
    title: 'GET of an IKE policy named constructor',
    expect: 404,
    send: async (s) => s.request('GET', '/api/v1/vpn-svc/ike/policies/constructor', { token: await s.token() }),
  },
  {
    title: 'GET of a keyring named __proto__',
    expect: 404,
    send: async (s) => s.request('GET', '/api/v1/vpn-svc/ike/keyrings/__proto__', { token: await s.token() }),
  },
  {
    title: 'DELETE of a tunnel named hasOwnProperty',
    expect: 404,
    send: async (s) => s.request('DELETE', '/api/v1/vpn-svc/site-to-site/hasOwnProperty', { token: await s.token() }),
  },
  {
    title: 'GET of a static route named toString',
    expect: 404,
    send: async (s) => s.request('GET', '/api/v1/routing-svc/static-routes/toString', { token: await s.token() }),
  },
  {
    title: 'a body of 70 KiB with a good token',
    expect: 413,
    send: async (s) =>
      s.request('POST', '/api/v1/vpn-svc/ike/policies', {
        token: await s.token(),
        body: json({ 'priority-id': '1', pad: 'x'.repeat(70 * 1024) }),
      }),
  },
  {
    title: 'a body that is not JSON',
    expect: 400,
    send: async (s) =>
      s.request('POST', '/api/v1/vpn-svc/ike/policies', { token: await s.token(), body: '{"priority-id": ' }),
  },
  {
    title: 'an unauthenticated PUT of 64 MiB',
    expect: 401,
    send: async (s) =>
      s.request('PUT', '/api/v1/vpn-svc/ike/keepalive', { body: Buffer.alloc(64 * 1024 * 1024, 0x20) }),
  },
];

/** Starts the simulator of the build at `root` as its own process, as it runs in its container. */
export async function startSimulator(
  root: string,
): Promise<{ sim: RunningSimulator; alive: () => boolean; rssKiB: () => number; stop: () => void; log: () => string }> {
  const dir = scratch();
  selfSignedCert(dir);
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'lab', 'csr', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      CSR_USERNAME: 'stack',
      CSR_PASSWORD: 'cisco',
      CSR_TLS_DIR: dir,
      CSR_STATE_FILE: path.join(dir, 'state.json'),
      CSR_LISTEN_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const deadline = Date.now() + 10_000;
  while (!/listening/.test(log) && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 50));
  const request: RunningSimulator['request'] = (method, pathname, options = {}) =>
    new Promise((resolve) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
      if (options.token) headers['x-auth-token'] = options.token;
      if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
      const req = https.request(
        { host: '127.0.0.1', port, method, path: pathname, headers, rejectUnauthorized: false, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer')));
      // An answer while the body is still being sent is an answer.
      req.on('error', () => resolve('no answer'));
      req.end(options.body);
    });
  const token = async () => {
    const basic = Buffer.from('stack:cisco').toString('base64');
    return new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/auth/token-services',
          headers: { authorization: `Basic ${basic}` },
          rejectUnauthorized: false,
          agent: false,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(String((JSON.parse(text) as Record<string, unknown>)['token-id'])));
        },
      );
      req.on('error', reject);
      req.end();
    });
  };
  return {
    sim: { port, token, request },
    alive: () => child.exitCode === null && child.signalCode === null,
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readOr(`/proc/${child.pid}/status`))?.[1] ?? 0),
    stop: () => {
      child.kill('SIGKILL');
      removeScratch(dir);
    },
    log: () => log,
  };
}

export interface CsrResult {
  title: string;
  outcome: CsrOutcome;
  status: number | 'no answer';
  rssGrowthKiB: number;
}

/** One case against a fresh simulator: its answer, whether it lives on, and what it kept in memory. */
export async function runCsrCase(c: CsrCase, root: string): Promise<CsrResult> {
  const running = await startSimulator(root);
  try {
    const rssBefore = running.rssKiB();
    const status = await c.send(running.sim);
    await new Promise((r) => setTimeout(r, 300));
    const alive = running.alive() && (await running.sim.request('GET', '/lab/health')) === 200;
    const rssGrowthKiB = running.rssKiB() - rssBefore;
    let outcome: CsrOutcome;
    if (!alive) outcome = 'crashed';
    else if (rssGrowthKiB > 32 * 1024) outcome = 'memory grew';
    else if (status === 'no answer') outcome = 'no answer';
    else outcome = status === c.expect ? 'answered as the device' : 'wrong answer';
    return { title: c.title, outcome, status, rssGrowthKiB };
  } finally {
    running.stop();
  }
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
