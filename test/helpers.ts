// Shared by the tests: run the real CLI in a scratch directory, with an environment free
// of the developer's own lab variables.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { FILE_VARIABLES, VARIABLES } from '../lab/config/variables.js';
import { packagePath } from '../lab/paths.js';

const run = promisify(execFile);
const CLI = packagePath('bin', 'lab.js');

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The command line that runs `command` without what lets root read any file
 * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that a test run as root sees a file it may not
 * read as any user would. util-linux's setpriv drops them from the bounding set before the
 * exec. Not as another user: that user could not reach a checkout in a private directory.
 */
export function withoutReadingAnyFile(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', ['--bounding-set', '-dac_override,-dac_read_search', '--', command, ...args]];
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [...VARIABLES.map((v) => v.name), ...Object.keys(FILE_VARIABLES)]) delete env[name];
  return { ...env, ...extra };
}

export async function lab(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<LabRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A scratch directory holding the given files (name -> text); removed by the caller's `after`. */
export function scratch(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function removeScratch(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A maker of empty scratch directories, all removed after the calling test file. */
export function scratchDirs(): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeScratch));
  return () => {
    const dir = scratch();
    dirs.push(dir);
    return dir;
  };
}

export function fixture(name: string): string {
  return fs.readFileSync(packagePath('test', 'fixtures', name), 'utf8');
}

export function readRendered(dir: string, labName: string, containerPath: string): string {
  return fs.readFileSync(path.join(dir, '.lab', labName, containerPath), 'utf8');
}

/** Every file below a directory, relative, sorted: to show that nothing was written. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

export interface CsrReply {
  status: number;
  body: Record<string, unknown> | undefined;
  location: string | undefined;
}

/**
 * One HTTPS request to the CSR simulator. With `ca` the certificate is verified; without,
 * it is not, like the Cisco client against a device's self-signed certificate. A request
 * left unanswered for 10 s fails.
 */
export function csrCall(
  port: number,
  method: string,
  pathname: string,
  options: { token?: string; basic?: string; body?: unknown; ca?: Buffer; headers?: Record<string, string> } = {},
): Promise<CsrReply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (payload) headers['content-type'] = 'application/json';
    if (options.token) headers['x-auth-token'] = options.token;
    if (options.basic) headers.authorization = `Basic ${Buffer.from(options.basic).toString('base64')}`;
    const tls = options.ca ? { ca: options.ca } : { rejectUnauthorized: false };
    const req = https.request({ host: '127.0.0.1', port, method, path: pathname, headers, ...tls }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
          location: res.headers.location,
        }),
      );
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${pathname}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A self-signed certificate for 127.0.0.1 (the CSR simulator's kind), as key.pem and cert.pem in `dir`. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', ...subject, '-days', '1', '-keyout', key, '-out', cert],
    { stdio: 'ignore', timeout: 60_000 },
  );
  return { key, cert };
}
