// The log follower: one detached process per lab, started by `lab stack` and `lab restart`,
// stopped by `lab unstack`. It writes every container's output, line by line, to the
// screen logs and goes on after lab has exited. It follows each container's Docker log,
// re-attaches when a container starts again (restart, recreation), and remembers, per
// container, the last line it wrote, so across restarts (its own too) no line is lost or
// written twice. A lock (its pid file, created exclusively) keeps it from running twice.
//
// Run as: node follower.js LAB_DIR PROJECT SCREEN_LOGDIR LOGDAYS
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../engine.js';
import { FOLLOWER_SCRIPT, followerPaths, isFollower } from './control.js';
import { resumeFrom, type Position } from './position.js';
import { currentFile, pointLink, pruneLogs, screenFile, screenLink } from './screen.js';

interface State {
  files: Record<string, string>;
  positions: Record<string, Position>;
}

const IDLE_EXIT_MS = 30_000;

async function main(): Promise<void> {
  const [labDir = '', project = '', logDir = '', days = '7'] = process.argv.slice(2);
  const paths = followerPaths(labDir);
  if (!takeLock(paths.pid, project)) return;
  const engine = new Engine();
  const state = loadState(paths.state);
  const started = new Date();
  fs.mkdirSync(logDir, { recursive: true });
  pruneLogs(logDir, ['screen-'], Number(days));

  const fds = new Map<string, number>();
  /** The screen file of a service: the one its symlink points at if this lab wrote it, else a new one. */
  const fdFor = (service: string): number => {
    const open = fds.get(service);
    if (open !== undefined) return open;
    const link = screenLink(logDir, service);
    let file = state.files[service];
    if (!file || currentFile(link) !== file || !fs.existsSync(file)) {
      file = screenFile(logDir, service, started);
      fs.writeFileSync(file, '', { flag: 'a' });
      pointLink(link, file);
      state.files[service] = file;
    }
    const fd = fs.openSync(file, 'a');
    fds.set(service, fd);
    return fd;
  };

  let dirty = false;
  const attached = new Map<string, () => void>();
  const attach = async (id: string, service: string) => {
    if (attached.has(id) || service === '') return;
    const position = state.positions[id] ?? { ts: '', same: 0 };
    const isNew = resumeFrom(position);
    attached.set(id, () => {});
    try {
      const sinceSeconds = position.ts ? String(Math.floor(Date.parse(position.ts) / 1000)) : undefined;
      const stop = await engine.followLogs(
        id,
        (timestamp, text) => {
          if (!isNew(timestamp)) return;
          fs.writeSync(fdFor(service), `${timestamp} ${text}\n`);
          state.positions[id] = position;
          dirty = true;
        },
        { ...(sinceSeconds ? { since: sinceSeconds } : {}), onEnd: () => attached.delete(id) },
      );
      attached.set(id, stop);
    } catch {
      attached.delete(id);
    }
  };

  // Events first, so that a start between the listing and the subscription is not missed.
  await engine.containerEvents(project, (event) => {
    if (event.action === 'start') void attach(event.id, event.service);
    if (event.action === 'destroy') {
      delete state.positions[event.id];
      dirty = true;
    }
  });
  for (const container of await engine.listContainers(project)) await attach(container.id, container.service);

  const save = () => {
    if (!dirty) return;
    dirty = false;
    const partial = `${paths.state}.partial`;
    fs.writeFileSync(partial, JSON.stringify(state));
    fs.renameSync(partial, paths.state);
  };
  let idleSince: number | undefined;
  const saver = setInterval(save, 500);
  const watchdog = setInterval(() => {
    void engine.listContainers(project).then(
      (containers) => {
        idleSince = containers.length > 0 ? undefined : (idleSince ?? Date.now());
        if (idleSince !== undefined && Date.now() - idleSince > IDLE_EXIT_MS) shutdown();
      },
      () => undefined,
    );
  }, 5_000);
  const shutdown = () => {
    clearInterval(saver);
    clearInterval(watchdog);
    for (const stop of attached.values()) stop();
    save();
    for (const fd of fds.values()) fs.closeSync(fd);
    releaseLock(paths.pid);
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** Exclusive creation of the pid file; a stale one (its process gone) is replaced once. */
function takeLock(pidFile: string, project: string): boolean {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(pidFile, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      if (pid !== process.pid && isFollower(pid, project)) return false;
      fs.rmSync(pidFile, { force: true });
    }
  }
  return false;
}

function releaseLock(pidFile: string): void {
  try {
    if (Number(fs.readFileSync(pidFile, 'utf8').trim()) === process.pid) fs.rmSync(pidFile);
  } catch {
    // Already gone.
  }
}

function loadState(file: string): State {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<State>;
    return { files: parsed.files ?? {}, positions: parsed.positions ?? {} };
  } catch {
    return { files: {}, positions: {} };
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === FOLLOWER_SCRIPT) {
  main().catch((error: unknown) => {
    process.stderr.write(`log follower: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
