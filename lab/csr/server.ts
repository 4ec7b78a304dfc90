// The CSR simulator's HTTPS front: the token service, X-auth-token on every REST call, JSON
// in and out, one log line per request (and the reason for a refused one), the state kept
// in a file after every change so that it survives a restart. /lab/health answers without
// auth; /lab/state (Basic auth, the device's credentials) dumps the whole state as JSON.
//
// It survives any request: credentials are checked before a body is read, a body is read
// up to BODY_LIMIT only, and whatever goes wrong while answering gives a 500 with the
// device's error body and a log line with the stack, never the end of the process.
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Tokens } from './auth.js';
import {
  emptyState,
  error,
  handle,
  sessionStatus,
  type CsrOptions,
  type CsrResponse,
  type CsrState,
  type Json,
} from './model.js';

/** The device's bodies are a few hundred bytes; a request's body beyond this gets 413. */
const BODY_LIMIT = 64 * 1024;

/**
 * Connections served at once (more are closed as they come): each may hold up to
 * BODY_LIMIT, so this bounds what bodies can take, with Node's own request timeout
 * bounding how long. A driver opens one or two.
 */
const MAX_CONNECTIONS = 128;

/** The Host header as it may go into a URL: a name, IPv4 or [IPv6] address, and a port. */
const HOST = /^(?:[A-Za-z0-9_.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

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

/** A model response, and whether the connection ends after it (the client may still be sending a body). */
interface Answer extends CsrResponse {
  close?: boolean;
}

/** What a request asks for, which says what it must authenticate with before its body is read. */
type Route =
  | { kind: 'health' }
  | { kind: 'state' }
  | { kind: 'login' }
  | { kind: 'unknown' }
  | { kind: 'logout'; token: string }
  | { kind: 'api'; path: string };

export function loadState(file: string | undefined): CsrState {
  if (!file || !fs.existsSync(file)) return emptyState();
  return { ...emptyState(), ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CsrState>) };
}

/** The state holds pre-shared keys: only the owner may read the file, and the partial one before it. */
function saveState(file: string | undefined, state: CsrState): void {
  if (!file) return;
  const partial = `${file}.partial`;
  const fd = fs.openSync(partial, 'w', 0o600);
  try {
    // A partial file left by an older simulator keeps its mode on open: set it.
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, JSON.stringify(state, null, 1));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, file);
}

/** A state file an older simulator wrote may be readable by others until the next change. */
function protectStateFile(file: string | undefined): void {
  if (file && fs.existsSync(file) && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
}

export function createSimulator(options: SimulatorOptions): { server: https.Server; state: CsrState; tokens: Tokens } {
  const state = loadState(options.stateFile);
  protectStateFile(options.stateFile);
  const tokens = new Tokens(options.username, options.password, options.tokenLifetimeMs);
  const now = options.now ?? Date.now;

  const device = new DeviceApi(state, tokens, options, now);
  const server = https.createServer({ key: options.key, cert: options.cert }, (req, res) => {
    const started = Date.now();
    device
      .answer(req, res)
      .then((sent) => device.logLine(req, sent, started))
      .catch((failure: unknown) => device.lastResort(req, res, failure, started));
  });
  guard(server, options.log);
  // Tokens nobody uses again would stay in the map; sweep them. unref: the timer alone
  // must not keep the process (or a test) alive.
  const sweeper = setInterval(() => tokens.sweep(now()), Math.max(100, Math.min(options.tokenLifetimeMs, 60_000)));
  sweeper.unref();
  server.on('close', () => clearInterval(sweeper));

  return { server, state, tokens };
}

/** The connection-level limits and failures: none of them ends the server. */
function guard(server: https.Server, log: (line: string) => void): void {
  server.maxConnections = MAX_CONNECTIONS;
  // Without this listener Node answers `Expect: 100-continue` itself, inviting the body
  // before the credentials are checked; answer() says continue only when it reads the body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  // A request Node cannot parse, or that took too long, and a failed TLS handshake: logged,
  // the connection ended, the server goes on.
  server.on('clientError', (failure: NodeJS.ErrnoException, socket: Socket) => {
    log(`client error from ${socket.remoteAddress ?? 'a client'}: ${printable(failure.message)}`);
    if (failure.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      failure.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : failure.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });
  server.on('tlsClientError', (failure: Error, socket: Socket) => {
    log(`TLS error from ${socket.remoteAddress ?? 'a client'}: ${printable(failure.message)}`);
    socket.destroy();
  });
}

/** The device's REST API over one state and its tokens: a request in, the device's answer out. */
class DeviceApi {
  constructor(
    private readonly state: CsrState,
    private readonly tokens: Tokens,
    private readonly options: SimulatorOptions,
    private readonly now: () => number,
  ) {}

  async answer(req: IncomingMessage, res: ServerResponse): Promise<Answer> {
    const reply = await this.respond(req, res);
    send(res, reply);
    return reply;
  }

  private async respond(req: IncomingMessage, res: ServerResponse): Promise<Answer> {
    const clock = this.now();
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '';
    if (!pathname.startsWith('/')) return { ...error(400, 'the request target must be a path'), close: hasBody(req) };
    const host = req.headers.host ?? 'csr';
    if (!HOST.test(host))
      return {
        ...error(400, `the Host header ${JSON.stringify(host)} is not a host name or address with an optional port`),
        close: hasBody(req),
      };
    const route = this.routeOf(req.method ?? 'GET', pathname);
    const refusal = this.authenticate(req, route, clock);
    // Refused before the body is read, and the connection closed after the answer, so
    // that nobody without credentials can make the simulator read or hold a body.
    if (refusal) return { ...refusal, close: hasBody(req) };
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) return { ...tooLarge(), close: true };
    if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
    const raw = await readBody(req, BODY_LIMIT);
    if (raw === undefined) return { ...tooLarge(), close: true };
    return this.act(req, route, raw, `https://${host}/api/v1`, clock);
  }

  private routeOf(method: string, pathname: string): Route {
    if (pathname === '/lab/health') return { kind: 'health' };
    if (pathname === '/lab/state') return { kind: 'state' };
    if (!pathname.startsWith('/api/v1/')) return { kind: 'unknown' };
    const path = pathname.slice('/api/v1/'.length);
    if (path === 'auth/token-services' && method === 'POST') return { kind: 'login' };
    // A token is base64url: it is compared as written, never decoded.
    if (path.startsWith('auth/token-services/') && method === 'DELETE')
      return { kind: 'logout', token: path.slice('auth/token-services/'.length) };
    return { kind: 'api', path };
  }

  /** The refusal for missing or wrong credentials, from the headers alone; undefined when they are good. */
  private authenticate(req: IncomingMessage, route: Route, clock: number): CsrResponse | undefined {
    if (route.kind === 'health' || route.kind === 'unknown') return undefined;
    if (route.kind === 'state')
      return this.tokens.credentialsOk(req.headers.authorization)
        ? undefined
        : error(401, 'the state dump needs the device credentials (Basic auth)');
    if (route.kind === 'login')
      return this.tokens.credentialsOk(req.headers.authorization) ? undefined : wrongCredentials();
    const token = req.headers['x-auth-token'];
    return this.tokens.use(typeof token === 'string' ? token : undefined, clock)
      ? undefined
      : error(401, 'missing, unknown or expired X-auth-token');
  }

  private act(req: IncomingMessage, route: Route, raw: string, base: string, clock: number): CsrResponse {
    const method = req.method ?? 'GET';
    if (route.kind === 'health') return { status: 200, body: { status: 'ok' } };
    if (route.kind === 'unknown') return error(404, `no resource ${(req.url ?? '/').split('?', 1)[0]}`);
    if (route.kind === 'state') {
      const sessions = Object.keys(this.state.tunnels).map((name) => ({
        'vpn-interface-name': name,
        status: sessionStatus(this.state, name, clock, this.options),
      }));
      return { status: 200, body: { ...this.state, sessions, tokens: this.tokens.count } as unknown as Json };
    }
    if (route.kind === 'login') return this.login(req, base, clock);
    if (route.kind === 'logout') return this.tokens.logout(route.token) ? { status: 204 } : error(404, 'no such token');
    let body: Json | undefined;
    try {
      if (raw.trim() !== '') body = JSON.parse(raw) as Json;
    } catch {
      return error(400, 'the body is not valid JSON');
    }
    const reply = handle(this.state, { method, path: route.path, body, base, now: clock }, this.options);
    if (reply.status < 300 && method !== 'GET') saveState(this.options.stateFile, this.state);
    if (reply.status >= 400 && body !== undefined)
      reply.reason = `${reply.reason ?? ''}; body: ${JSON.stringify(maskKeys(body))}`;
    return reply;
  }

  private login(req: IncomingMessage, base: string, clock: number): CsrResponse {
    const result = this.tokens.login(req.headers.authorization, clock);
    if (result === 'wrong-credentials') return wrongCredentials();
    if (result === 'too-many-tokens')
      return error(
        429,
        `too many sessions: ${this.tokens.count} tokens are live; DELETE auth/token-services/<token> when done, or wait until one expires`,
      );
    return {
      status: 200,
      body: {
        kind: 'object#auth-token',
        'token-id': result.token,
        link: `${base}/auth/token-services/${result.token}`,
        'expiry-time': new Date(result.expires).toUTCString(),
      },
    };
  }

  logLine(req: IncomingMessage, sent: CsrResponse, started: number): void {
    const line = `${req.method} ${req.url} ${sent.status} ${Date.now() - started}ms`;
    this.options.log(sent.reason && sent.status >= 400 ? `${line} rejected: ${printable(sent.reason)}` : line);
  }

  /** Whatever failed while answering: a 500 if nothing was sent yet, else the connection ends; the process goes on. */
  lastResort(req: IncomingMessage, res: ServerResponse, failure: unknown, started: number): void {
    try {
      const message = failure instanceof Error ? failure.message : String(failure);
      this.options.log(`${req.method} ${req.url} 500 ${Date.now() - started}ms failed: ${printable(message)}`);
      const stack = failure instanceof Error ? (failure.stack ?? '') : '';
      for (const line of stack.split('\n').slice(1)) this.options.log(line);
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      send(res, { ...error(500, `the simulator failed: ${message}`), close: true });
    } catch {
      res.destroy();
    }
  }
}

function wrongCredentials(): CsrResponse {
  return error(401, 'authentication failed: wrong or missing credentials');
}

function tooLarge(): CsrResponse {
  return error(413, `the body is larger than ${BODY_LIMIT} bytes`);
}

/** Whether a body follows the headers (which a refused request leaves unread). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Control characters from a request never reach the log as such: they could forge lines. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters are what it finds
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Pre-shared keys never reach the log. */
function maskKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(maskKeys);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'key' ? '********' : maskKeys(v)]));
  return value;
}

/** The body as text, or undefined once it grows past `limit` (then reading stops and nothing is kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      chunks.length = 0;
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = {};
  if (answer.location) headers.location = answer.location;
  if (answer.body !== undefined) headers['content-type'] = 'application/json';
  if (answer.close) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}
