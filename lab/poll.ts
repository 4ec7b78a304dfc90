// The one poll loop of lab, after testcontainers' small wait strategies: ask `check` until it
// answers a value, every `intervalMs`, up to a bound; stop at once when `signal` aborts
// (lab stack's Ctrl-C). At the bound it throws a PollTimeout naming what was waited for and
// what the last round saw, or the caller's own error (`onTimeout`).
import { OperationError } from './errors.js';

export interface PollOptions<T> {
  /** What is waited for, for the timeout message: "router1 wired", "the log follower". */
  what: string;
  /**
   * One round: the value when ready, undefined when not yet. `note` records what it saw
   * for the timeout message. An error it throws ends the poll (a failure known for sure).
   */
  check: (signal: AbortSignal, note: (observation: string) => void) => Promise<T | undefined>;
  /** The bound, from now; or `deadline`, an absolute one (Date.now() ms) shared by several polls. */
  timeoutMs?: number;
  deadline?: number;
  intervalMs: number;
  signal?: AbortSignal | undefined;
  /** The error thrown at the bound instead of the PollTimeout (it is given). */
  onTimeout?: (timeout: PollTimeout) => Error | Promise<Error>;
}

export class PollTimeout extends OperationError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly observation: string | undefined,
  ) {
    super(`no ${what} within ${timeoutMs / 1000} s${observation === undefined ? '' : ` (last seen: ${observation})`}`);
  }
}

/**
 * Rounds until `check` gives a value, which is returned. A round always runs, even past
 * the bound; the bound is tested after each round, then the next waits `intervalMs`.
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  if (options.deadline === undefined && options.timeoutMs === undefined)
    throw new Error(`poll for ${options.what}: no bound`);
  const started = Date.now();
  const deadline = options.deadline ?? started + (options.timeoutMs ?? 0);
  const signal = options.signal ?? new AbortController().signal;
  let observation: string | undefined;
  const note = (seen: string) => (observation = seen);
  for (;;) {
    signal.throwIfAborted();
    const value = await options.check(signal, note);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const timeout = new PollTimeout(options.what, deadline - started, observation);
      throw options.onTimeout ? await options.onTimeout(timeout) : timeout;
    }
    await sleep(options.intervalMs, signal);
  }
}

/** A pause that ends early, rejecting with the signal's reason, when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
