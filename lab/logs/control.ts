// Starting, finding and stopping a lab's log follower (see follower.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { poll, PollTimeout } from '../poll.js';
import { openPrivate } from './private.js';

export const FOLLOWER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'follower.js');

/** Its lock, its saved positions, its own log, and what went wrong (health.ts), in the lab directory. */
export function followerPaths(labDir: string): { pid: string; state: string; log: string; status: string } {
  return {
    pid: path.join(labDir, 'log-follower.pid'),
    state: path.join(labDir, 'log-follower.json'),
    log: path.join(labDir, 'log-follower.log'),
    status: path.join(labDir, 'log-follower-status.json'),
  };
}

/** True when `pid` is a running log follower of `project` (not a recycled pid). */
export function isFollower(pid: number, project: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes(FOLLOWER_SCRIPT) && args.includes(project);
  } catch {
    return false;
  }
}

export function runningFollower(labDir: string, project: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(followerPaths(labDir).pid, 'utf8').trim());
    return isFollower(pid, project) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** How long the follower may take to start, or to stop after SIGTERM. */
const FOLLOWER_WAIT = { timeoutMs: 5000, intervalMs: 50 };

/** Starts the follower detached (it outlives lab) unless one runs; waits until it holds its lock. */
export async function ensureFollower(labDir: string, project: string, logDir: string, days: number): Promise<'running' | 'started'> {
  if (runningFollower(labDir, project) !== undefined) return 'running';
  const paths = followerPaths(labDir);
  fs.mkdirSync(labDir, { recursive: true });
  const log = openPrivate(paths.log, 'a');
  const child = spawn(process.execPath, [FOLLOWER_SCRIPT, labDir, project, logDir, String(days)], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  return poll({
    what: 'log follower holding its lock',
    ...FOLLOWER_WAIT,
    check: async () => (runningFollower(labDir, project) !== undefined ? 'started' : undefined),
    onTimeout: () => new Error(`the log follower did not start; see ${paths.log}`),
  });
}

/** Stops the follower (it writes what it has and saves its positions first). */
export async function stopFollower(labDir: string, project: string): Promise<boolean> {
  const pid = runningFollower(labDir, project);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  try {
    return await poll({ what: 'log follower gone', ...FOLLOWER_WAIT, check: async () => (isFollower(pid, project) ? undefined : true) });
  } catch (error) {
    if (!(error instanceof PollTimeout)) throw error;
    process.kill(pid, 'SIGKILL');
    return true;
  }
}
