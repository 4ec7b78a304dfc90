// The log follower: one detached process per lab, started by `lab stack` and `lab restart`,
// stopped by `lab unstack`. It writes every container's output, line by line, to the
// screen logs and goes on after lab has exited. It follows each container's Docker log,
// re-attaches when a container starts again (restart, recreation), and remembers, per
// container, the last line it wrote, so across restarts (its own too) no line is lost or
// written twice. A lock (its pid file, created exclusively) keeps it from running twice.
//
// It outlives what would stop a simpler one: a line it cannot write (a full disk) is
// counted and it goes on; when the Docker engine goes away (dockerd restarted) it tries
// again, with a bounded backoff, then subscribes again and reads each container's log on
// from where it stopped; a deleted SCREEN_LOGDIR or screen file is made again. What went
// wrong is kept in its status file (health.ts) for `lab status`, and said once in its log.
//
// Run as: node follower.js LAB_DIR PROJECT SCREEN_LOGDIR LOGDAYS
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../engine.js';
import { FOLLOWER_SCRIPT, followerPaths, isFollower } from './control.js';
import { FollowerHealth, saveStatus } from './health.js';
import { resumeFrom, type Position } from './position.js';
import { PRIVATE_MODE, replacePrivate } from './private.js';
import { Pruner } from './screen.js';
import { ScreenFiles } from './writer.js';

interface State {
  files: Record<string, string>;
  positions: Record<string, Position>;
}

const IDLE_EXIT_MS = 30_000;
/** The bound on each call to the engine: one that does not answer counts as gone. */
const ENGINE_CALL_MS = 15_000;
const ENGINE_CHECK_MS = 5_000;
/** How soon a deleted log directory or file is noticed (and LOGDAYS looked at). */
const FILE_CHECK_MS = 1_000;
const SAVE_MS = 500;

/** Waits between tries to reach the engine: from `first`, doubling, never more than `most`. */
export class Backoff {
  private next: number;

  constructor(
    private readonly first = 1_000,
    private readonly most = 10_000,
  ) {
    this.next = first;
  }

  delay(): number {
    const delay = this.next;
    this.next = Math.min(this.next * 2, this.most);
    return delay;
  }

  reset(): void {
    this.next = this.first;
  }
}

/**
 * When the follower has nothing left to do: the engine answered "no container" for longer
 * than `ms`. An engine that does not answer says nothing about the containers, so it
 * starts the count again.
 */
export class IdleExit {
  private since: number | undefined;

  constructor(private readonly ms = IDLE_EXIT_MS) {}

  /** `containers` is undefined when the engine did not answer; true when it is time to exit. */
  observe(containers: number | undefined, now: number): boolean {
    if (containers === undefined || containers > 0) {
      this.since = undefined;
      return false;
    }
    this.since ??= now;
    return now - this.since > this.ms;
  }
}

export interface FollowerOptions {
  labDir: string;
  project: string;
  logDir: string;
  days: number;
  engine: Engine;
}

interface Attachment {
  stop: () => void;
}

export class Follower {
  /** Called once the lab has had no container for a while. */
  onIdle: () => void = () => undefined;

  private readonly paths: ReturnType<typeof followerPaths>;
  private readonly state: State;
  private readonly files: ScreenFiles;
  private readonly health: FollowerHealth;
  private readonly pruner: Pruner;
  private readonly idle = new IdleExit();
  private readonly backoff = new Backoff();
  private readonly attached = new Map<string, Attachment>();
  private stopEvents: (() => void) | undefined;
  /** Counts subscriptions: callbacks of an older one (before the engine was lost) are ignored. */
  private generation = 0;
  private connected = false;
  private reconnecting = false;
  private checking = false;
  private stopping = false;
  private dirty = false;
  private fileCheckFailing = false;
  private timers: NodeJS.Timeout[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly options: FollowerOptions) {
    this.paths = followerPaths(options.labDir);
    this.state = loadState(this.paths.state);
    const started = new Date();
    this.files = new ScreenFiles(options.logDir, this.state.files, started);
    this.health = new FollowerHealth(process.pid, options.logDir, started);
    this.pruner = new Pruner(options.logDir, ['screen-'], options.days);
  }

  async start(): Promise<void> {
    this.save();
    this.checkFiles();
    this.timers = [setInterval(() => this.save(), SAVE_MS), setInterval(() => this.checkFiles(), FILE_CHECK_MS), setInterval(() => void this.checkEngine(), ENGINE_CHECK_MS)];
    try {
      await this.connect();
    } catch (error) {
      this.lose(error);
    }
  }

  /** Stops following; what it has is written and its positions saved. */
  stop(): void {
    this.stopping = true;
    this.timers.forEach(clearInterval);
    this.wake?.();
    this.disconnect();
    this.save();
    this.files.closeAll();
  }

  /** Events first, so that a start between the listing and the subscription is not missed. */
  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const onEnd = () => {
      if (generation === this.generation) this.lose(new Error('the event stream ended'));
    };
    const stopEvents = await within(this.options.engine.containerEvents(this.options.project, (event) => this.onEvent(event), { onEnd }), 'subscribing to events', (late) => late());
    if (generation !== this.generation) return stopEvents();
    this.stopEvents = stopEvents;
    const containers = await within(this.options.engine.listContainers(this.options.project), 'listing the containers');
    if (generation !== this.generation) return;
    this.connected = true;
    for (const container of containers) void this.attach(container.id, container.service);
  }

  /** The engine went away or stopped answering: drop every stream and try again until it answers. */
  private lose(error: unknown): void {
    if (this.stopping) return;
    this.disconnect();
    this.idle.observe(undefined, Date.now());
    if (this.health.engineLost(error, new Date())) this.say(`the Docker engine does not answer (${(error as Error).message}); trying again`);
    void this.reconnect();
  }

  private disconnect(): void {
    this.generation++;
    this.connected = false;
    this.stopEvents?.();
    this.stopEvents = undefined;
    for (const attachment of this.attached.values()) attachment.stop();
    this.attached.clear();
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      while (!this.stopping && !this.connected) {
        await this.pause(this.backoff.delay());
        if (this.stopping) return;
        try {
          await this.connect();
        } catch {
          this.disconnect();
        }
      }
      if (!this.connected) return;
      this.backoff.reset();
      if (this.health.engineBack(new Date())) this.say('the Docker engine answers again: subscribed again, and reading each log on from where it stopped');
    } finally {
      this.reconnecting = false;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private onEvent(event: { action: string; id: string; service: string }): void {
    if (event.action === 'start') void this.attach(event.id, event.service);
    if (event.action === 'destroy') {
      delete this.state.positions[event.id];
      this.dirty = true;
    }
  }

  /** Follows one container's log from its saved position; one stream per container at most. */
  private async attach(id: string, service: string): Promise<void> {
    if (this.attached.has(id) || service === '') return;
    const attachment: Attachment = { stop: () => undefined };
    this.attached.set(id, attachment);
    const current = () => this.attached.get(id) === attachment;
    const position = this.state.positions[id] ?? { ts: '', same: 0 };
    const isNew = resumeFrom(position);
    const since = position.ts ? { since: String(Math.floor(Date.parse(position.ts) / 1000)) } : {};
    const onLine = (timestamp: string, text: string) => {
      if (!current() || !isNew(timestamp)) return;
      this.state.positions[id] = position;
      this.dirty = true;
      this.write(service, `${timestamp} ${text}`);
    };
    const onEnd = () => {
      if (current()) this.attached.delete(id);
    };
    try {
      const stop = await within(this.options.engine.followLogs(id, onLine, { ...since, onEnd }), `following the log of ${service}`, (late) => late());
      if (current()) attachment.stop = stop;
      else stop();
    } catch {
      if (current()) this.attached.delete(id);
    }
  }

  private write(service: string, line: string): void {
    try {
      this.files.append(service, line);
      if (this.health.writeWorked(new Date())) this.say(`writing to ${this.options.logDir} again`);
    } catch (error) {
      if (this.health.writeFailed(error, new Date())) this.say(`cannot write to ${this.options.logDir} (${(error as Error).message}); counting the lines not written, going on`);
    }
  }

  private async checkEngine(): Promise<void> {
    if (!this.connected || this.checking) return;
    this.checking = true;
    const generation = this.generation;
    try {
      const containers = await within(this.options.engine.listContainers(this.options.project), 'listing the containers');
      if (generation !== this.generation) return;
      if (this.idle.observe(containers.length, Date.now())) return this.onIdle();
      // A start event missed, or a log stream that broke alone: running containers are followed.
      for (const container of containers) if (container.state === 'running') void this.attach(container.id, container.service);
    } catch (error) {
      if (generation === this.generation) this.lose(error);
    } finally {
      this.checking = false;
    }
  }

  private checkFiles(): void {
    try {
      for (const service of this.files.check()) this.say(`${service}: its screen log was gone; writing to a new one`);
      this.pruner.tick();
      this.fileCheckFailing = false;
    } catch (error) {
      if (!this.fileCheckFailing) this.say(`cannot look after ${this.options.logDir}: ${(error as Error).message}`);
      this.fileCheckFailing = true;
    }
  }

  /** The positions and the status; on a full disk they are tried again at the next save. */
  private save(): void {
    if (this.dirty) {
      try {
        replacePrivate(this.paths.state, JSON.stringify(this.state));
        this.dirty = false;
      } catch {
        // Kept dirty: saved once there is room.
      }
    }
    if (this.health.changed) {
      try {
        saveStatus(this.paths.status, this.health.status);
        this.health.changed = false;
      } catch {
        // Kept changed: saved once there is room.
      }
    }
  }

  /** A line in the follower's own log; on a full disk it is lost, and that must not stop it. */
  private say(text: string): void {
    try {
      fs.writeSync(2, `${new Date().toISOString()} ${text}\n`);
    } catch {
      // Nowhere to say it.
    }
  }
}

/** Waits at most ENGINE_CALL_MS for an engine call; a stream that answers later is closed at once. */
async function within<T>(call: Promise<T>, what: string, discard?: (late: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error(`${what}: no answer within ${ENGINE_CALL_MS / 1000} s`));
    }, ENGINE_CALL_MS);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
    if (late && discard) call.then(discard, () => undefined);
  }
}

async function main(): Promise<void> {
  const [labDir = '', project = '', logDir = '', days = '7'] = process.argv.slice(2);
  const paths = followerPaths(labDir);
  if (!takeLock(paths.pid, project)) return;
  const follower = new Follower({ labDir, project, logDir, days: Number(days), engine: new Engine() });
  const shutdown = () => {
    follower.stop();
    releaseLock(paths.pid);
    process.exit(0);
  };
  follower.onIdle = shutdown;
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await follower.start();
}

/** Exclusive creation of the pid file; a stale one (its process gone) is replaced once. */
function takeLock(pidFile: string, project: string): boolean {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(pidFile, `${process.pid}\n`, { flag: 'wx', mode: PRIVATE_MODE });
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
