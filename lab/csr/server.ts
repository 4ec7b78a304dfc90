// The CSR simulator's HTTPS front: the token service, X-auth-token on every REST call, JSON
// in and out, one log line per request (and the reason for a refused one), the state kept
// in a file after every change so that it survives a restart. /lab/health answers without
// auth; /lab/state (Basic auth, the device's credentials) dumps the whole state as JSON.
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Tokens } from './auth.js';
import { emptyState, error, handle, sessionStatus, type CsrOptions, type CsrResponse, type CsrState, type Json } from './model.js';

export interface SimulatorOptions extends CsrOptions {
  username: string;
  password: string;
  tokenLifetimeMs: number;
  /** Where the state is kept; undefined keeps it in memory only. */
  stateFile: string | undefined;
  key: string | Buffer;
  cert: string | Buffer;
  log: (line: string) => void;
  now?: () => number;
}

export function loadState(file: string | undefined): CsrState {
  if (!file || !fs.existsSync(file)) return emptyState();
  return { ...emptyState(), ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CsrState>) };
}

function saveState(file: string | undefined, state: CsrState): void {
  if (!file) return;
  fs.writeFileSync(`${file}.partial`, JSON.stringify(state, null, 1));
  fs.renameSync(`${file}.partial`, file);
}

export function createSimulator(options: SimulatorOptions): { server: https.Server; state: CsrState; tokens: Tokens } {
  const state = loadState(options.stateFile);
  const tokens = new Tokens(options.username, options.password, options.tokenLifetimeMs);
  const now = options.now ?? Date.now;

  const server = https.createServer({ key: options.key, cert: options.cert }, (req, res) => {
    const started = Date.now();
    readBody(req)
      .then((raw) => respond(req, raw))
      .catch(() => error(400, 'the body is not valid JSON'))
      .then((answer) => {
        send(res, answer);
        const line = `${req.method} ${req.url} ${answer.status} ${Date.now() - started}ms`;
        options.log(answer.reason && answer.status >= 400 ? `${line} rejected: ${answer.reason}` : line);
      });
  });

  function respond(req: IncomingMessage, raw: string): CsrResponse {
    const url = new URL(req.url ?? '/', 'https://csr');
    const method = req.method ?? 'GET';
    const clock = now();
    if (url.pathname === '/lab/health') return { status: 200, body: { status: 'ok' } };
    if (url.pathname === '/lab/state') {
      if (!tokens.credentialsOk(req.headers.authorization)) return error(401, 'the state dump needs the device credentials (Basic auth)');
      const sessions = Object.keys(state.tunnels).map((name) => ({ 'vpn-interface-name': name, status: sessionStatus(state, name, clock, options) }));
      return { status: 200, body: { ...state, sessions, tokens: tokens.count } as unknown as Json };
    }
    if (!url.pathname.startsWith('/api/v1/')) return error(404, `no resource ${url.pathname}`);
    const path = url.pathname.slice('/api/v1/'.length);
    if (path === 'auth/token-services' && method === 'POST') {
      const login = tokens.login(req.headers.authorization, clock);
      if (!login) return error(401, 'authentication failed: wrong or missing credentials');
      const base = `https://${req.headers.host ?? 'csr'}/api/v1`;
      return { status: 200, body: { kind: 'object#auth-token', 'token-id': login.token, link: `${base}/auth/token-services/${login.token}`, 'expiry-time': new Date(login.expires).toUTCString() } };
    }
    const token = req.headers['x-auth-token'];
    if (!tokens.use(typeof token === 'string' ? token : undefined, clock)) return error(401, 'missing, unknown or expired X-auth-token');
    if (path.startsWith('auth/token-services/') && method === 'DELETE') {
      return tokens.logout(decodeURIComponent(path.slice('auth/token-services/'.length))) ? { status: 204 } : error(404, 'no such token');
    }
    let body: Json | undefined;
    if (raw.trim() !== '') body = JSON.parse(raw) as Json;
    const answer = handle(state, { method, path, body, base: `https://${req.headers.host ?? 'csr'}/api/v1`, now: clock }, options);
    if (answer.status < 300 && method !== 'GET') saveState(options.stateFile, state);
    if (answer.status >= 400 && body !== undefined) answer.reason = `${answer.reason ?? ''}; body: ${JSON.stringify(maskKeys(body))}`;
    return answer;
  }

  return { server, state, tokens };
}

/** Pre-shared keys never reach the log. */
function maskKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(maskKeys);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'key' ? '********' : maskKeys(v)]));
  return value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: CsrResponse): void {
  const headers: Record<string, string> = {};
  if (answer.location) headers.location = answer.location;
  if (answer.body !== undefined) headers['content-type'] = 'application/json';
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}
