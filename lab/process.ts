// A bounded child process: it runs in a process group of its own, and when it is over (it
// ended, its time ran out, or the caller aborted) the whole group is ended, SIGTERM first,
// SIGKILL after a grace. A group, because what the child starts (`sleep 100000 &` in a
// localrc) outlives it and would keep lab waiting on its pipes. Three things make sure no
// process is left: the kill when the run is over, a hook when lab exits, and a watchdog in
// the group that kills it when lab dies without running its exit hooks (a signal).
// No signal handlers are installed here: interrupting is the caller's business (`signal`).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface BoundedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed; /dev/null otherwise. */
  input?: string;
  /** How many pipes after stdout and stderr (fd 3, 4, ...) to read. */
  extraOutputs?: number;
  limitMs: number;
  /** Between SIGTERM and SIGKILL of the group. */
  graceMs?: number;
  signal?: AbortSignal;
}

export interface BoundedResult {
  /** null when the child had not exited when the run was over (timed out, aborted). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The text read from fd 1, 2, 3, ... until the run was over. */
  outputs: string[];
  timedOut: boolean;
  aborted: boolean;
}

const DEFAULT_GRACE_MS = 2_000;

/** Process groups started here and not yet killed for good. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

/** false when no process of the group is left. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends a group: SIGTERM now, SIGKILL after the grace unless it is gone by then; `release`
 * (closing the watchdog's socket) when it is gone or killed.
 */
function endGroup(group: number, graceMs: number, release: () => void): void {
  if (!signalGroup(group, 'SIGTERM')) {
    liveGroups.delete(group);
    release();
    return;
  }
  // Not keeping lab alive for it: if lab exits first, its exit hook sends the SIGKILL.
  setTimeout(() => {
    if (signalGroup(group, 0)) signalGroup(group, 'SIGKILL');
    liveGroups.delete(group);
    release();
  }, graceMs).unref();
}

/**
 * sh starts the watchdog, then becomes the command (same pid, so the group is the
 * command's). The watchdog holds none of the output pipes (it would keep them open) and
 * blocks reading its own socket from lab; end of file there means lab is gone.
 */
function watchdogWrapper(watchFd: number): string {
  const closeOutputs = Array.from({ length: watchFd - 3 }, (_, i) => `${i + 3}>&-`).join(' ');
  return `{ read -r _ <&${watchFd}; kill -KILL 0; } </dev/null >/dev/null 2>&1 ${closeOutputs} & exec "$@" ${watchFd}<&-`;
}

function start(command: string, args: string[], options: BoundedOptions): ChildProcess {
  const outputs = 2 + (options.extraOutputs ?? 0);
  const watchFd = outputs + 1;
  const stdio = [options.input === undefined ? 'ignore' : 'pipe', ...Array<'pipe'>(outputs + 1).fill('pipe')] as const;
  return spawn('/bin/sh', ['-c', watchdogWrapper(watchFd), 'lab-bounded', command, ...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: [...stdio],
  });
}

/** Reads each stream as text into `texts`, as it comes. */
function collect(streams: Readable[]): string[] {
  const texts = streams.map(() => '');
  streams.forEach((stream, i) => {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (texts[i] += chunk));
  });
  return texts;
}

/** Runs `command` within `limitMs`; never rejects for the child's sake, says how it ended. */
export function runBounded(command: string, args: string[], options: BoundedOptions): Promise<BoundedResult> {
  const extra = options.extraOutputs ?? 0;
  if (options.signal?.aborted)
    return Promise.resolve({
      exitCode: null,
      signal: null,
      outputs: Array<string>(2 + extra).fill(''),
      timedOut: false,
      aborted: true,
    });
  installExitHook();
  const child = start(command, args, options);
  const streams = child.stdio.slice(1, 3 + extra) as Readable[];
  const texts = collect(streams);
  const watch = child.stdio[3 + extra] as Readable;
  // Only lab's death should close it; it must not keep lab running.
  watch.on('error', () => undefined);
  (watch as Readable & { unref?: () => void }).unref?.();
  if (child.pid !== undefined) liveGroups.add(child.pid);
  if (options.input !== undefined) {
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  }
  return new Promise((resolve) => {
    let over = false;
    const finish = (how: { timedOut?: boolean; aborted?: boolean }) => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) endGroup(child.pid, options.graceMs ?? DEFAULT_GRACE_MS, () => watch.destroy());
      // Stop waiting: a grandchild may hold a pipe open however long it likes.
      for (const stream of streams) stream.destroy();
      resolve({
        exitCode: child.exitCode,
        signal: child.signalCode,
        outputs: texts,
        timedOut: how.timedOut === true,
        aborted: how.aborted === true,
      });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), options.limitMs);
    const onAbort = () => finish({ aborted: true });
    options.signal?.addEventListener('abort', onAbort);
    // Done when the child has exited and every pipe is closed: all it wrote has been read.
    let open = streams.length;
    const maybeDone = () => {
      if (open === 0 && (child.exitCode !== null || child.signalCode !== null)) finish({});
    };
    for (const stream of streams)
      stream.on('close', () => {
        open--;
        maybeDone();
      });
    child.on('exit', maybeDone);
    child.on('error', () => finish({}));
  });
}
