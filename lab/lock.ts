// One lab, one writer: `lab stack`, `restart`, `unstack`, `clean` (and a `lab config` that
// generates passwords) hold the lab's lock while they change it. The lock is a listening
// Unix socket in Linux's abstract namespace, named after the lab: binding it is atomic,
// and the kernel releases it when its holder exits however it exits (no stale lock file to
// clean up after a kill -9). A second run connects to it to learn who holds it, says so,
// and waits a bounded time.
import net from 'node:net';
import { OperationError } from './errors.js';
import { sleep } from './poll.js';

export interface LockHolder {
  pid: number;
  verb: string;
  since: string;
  cwd: string;
}

export interface LockOptions {
  /** How long to wait for another holder, in ms (LAB_LOCK_WAIT seconds, else 10 minutes). */
  waitMs?: number;
  /** Told once when the lab is busy, and again every half minute of waiting. */
  say?: (line: string) => void;
  signal?: AbortSignal;
}

export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.LAB_LOCK_WAIT);
  return Number.isFinite(seconds) && seconds >= 0 && env.LAB_LOCK_WAIT !== '' && env.LAB_LOCK_WAIT !== undefined
    ? seconds * 1000
    : 600_000;
}

function socketName(project: string): string {
  return `\0lab-lock/${project}`;
}

/** Runs `work` holding the lab's lock; the lock is released when it ends. */
export async function withLabLock<T>(
  project: string,
  verb: string,
  work: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const release = await acquireLabLock(project, verb, options);
  try {
    return await work();
  } finally {
    release();
  }
}

export async function acquireLabLock(project: string, verb: string, options: LockOptions = {}): Promise<() => void> {
  const waitMs = options.waitMs ?? lockWaitMs();
  const deadline = Date.now() + waitMs;
  const me: LockHolder = { pid: process.pid, verb, since: new Date().toISOString(), cwd: process.cwd() };
  let toldAt = 0;
  for (;;) {
    const server = await tryBind(project, me);
    if (server) return () => server.close();
    const holder = await askHolder(project);
    if (Date.now() >= deadline) {
      throw new OperationError(
        `lab "${project}" is busy: ${describe(holder)}; gave up after ${Math.round(waitMs / 1000)} s (LAB_LOCK_WAIT sets how long to wait). Run the command again when it has ended`,
      );
    }
    if (Date.now() - toldAt >= 30_000) {
      options.say?.(
        `lab "${project}" is busy: ${describe(holder)}; waiting for it (at most ${Math.round((deadline - Date.now()) / 1000)} s more; Ctrl-C to give up)`,
      );
      toldAt = Date.now();
    }
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())), options.signal);
  }
}

function describe(holder: LockHolder | undefined): string {
  if (!holder) return 'another lab command holds its lock';
  return `lab ${holder.verb} (pid ${holder.pid}, since ${holder.since.replace(/\.\d+Z$/, 'Z')}, in ${holder.cwd}) is changing it`;
}

/** The lock's server, or undefined when another process holds the name. */
function tryBind(project: string, me: LockHolder): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end(`${JSON.stringify(me)}\n`));
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error),
    );
    server.listen(socketName(project), () => {
      // Holding the lock must never keep lab from exiting.
      server.unref();
      resolve(server);
    });
  });
}

/** Who holds the lock (it answers on connect), within a short bound. */
function askHolder(project: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect(socketName(project));
    const done = (holder: LockHolder | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(holder);
    };
    const timer = setTimeout(() => done(undefined), 2000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      try {
        done(JSON.parse(text) as LockHolder);
      } catch {
        done(undefined);
      }
    });
    socket.on('error', () => done(undefined));
  });
}
