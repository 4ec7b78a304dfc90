// Small wait strategies, as testcontainers has them: each resolves when its service is
// ready, and fails at its bound (or at once, when the container has exited) with a message
// naming the service and showing its last log lines.
import type { Engine } from '../engine.js';
import { OperationError } from '../errors.js';
import { get } from '../http.js';
import { aliveSince, type Agent } from '../neutron/agents.js';
import { NeutronClient, PROBE_BOUND } from '../neutron/client.js';
import { poll } from '../poll.js';

export class NotReady extends OperationError {
  constructor(
    readonly service: string,
    reason: string,
    readonly logTail: string[],
  ) {
    super(
      `${service} is not ready: ${reason}${logTail.length > 0 ? `\n  last lines of its log:\n${logTail.map((l) => `    ${l}`).join('\n')}` : ''}`,
    );
  }
}

export interface WaitContext {
  engine: Engine;
  service: string;
  containerId: string;
  deadline: number;
  signal: AbortSignal;
}

const POLL_MS = 250;
const TAIL_LINES = 15;

async function notReady(ctx: WaitContext, reason: string): Promise<NotReady> {
  return new NotReady(ctx.service, reason, await ctx.engine.logTail(ctx.containerId, TAIL_LINES));
}

async function fail(ctx: WaitContext, reason: string): Promise<never> {
  throw await notReady(ctx, reason);
}

/**
 * Polls `probe` until it answers true; fails when the container exits or time is up (the
 * service's one bound, ctx.deadline, shared by its checks in turn).
 */
async function until(ctx: WaitContext, what: string, probe: () => Promise<boolean>): Promise<void> {
  await poll({
    what,
    deadline: ctx.deadline,
    intervalMs: POLL_MS,
    signal: ctx.signal,
    check: async () => {
      const info = await ctx.engine.inspectContainer(ctx.containerId);
      if (!info || info.state === 'exited' || info.state === 'dead') {
        return fail(
          ctx,
          `its container ${info ? `exited with code ${info.exitCode}` : 'is gone'} while waiting for ${what}`,
        );
      }
      return (await probe().catch(() => false)) || undefined;
    },
    onTimeout: () => notReady(ctx, `no ${what} within the bound`),
  });
}

export function healthy(ctx: WaitContext): Promise<void> {
  return until(
    ctx,
    'healthy healthcheck',
    async () => (await ctx.engine.inspectContainer(ctx.containerId))?.health === 'healthy',
  );
}

export function running(ctx: WaitContext): Promise<void> {
  return until(
    ctx,
    'running container',
    async () => (await ctx.engine.inspectContainer(ctx.containerId))?.state === 'running',
  );
}

/** A one-shot container: ready when it has exited with code 0. */
export async function completed(ctx: WaitContext): Promise<void> {
  await poll({
    what: 'its container to finish',
    deadline: ctx.deadline,
    intervalMs: POLL_MS,
    signal: ctx.signal,
    check: async () => {
      const info = await ctx.engine.inspectContainer(ctx.containerId);
      if (!info) return fail(ctx, 'its container is gone');
      if (info.state !== 'exited' && info.state !== 'dead') return undefined;
      return info.exitCode === 0 || fail(ctx, `it exited with code ${info.exitCode}`);
    },
    onTimeout: () => notReady(ctx, 'it did not finish within the bound'),
  });
}

export function httpOk(ctx: WaitContext, url: string): Promise<void> {
  return until(ctx, `200 from GET ${url}`, async () => (await get(url, 3000)).status === 200);
}

/**
 * The agent of this container's host shows alive in GET /v2.0/agents, with a heartbeat
 * from after `since` (the container's latest start by default): a restarted agent still
 * shows alive from its last life for a while, so "alive" alone would pass too early.
 */
export async function agentAlive(
  ctx: WaitContext,
  apiUrl: string,
  agentType: string,
  host: string,
  since?: Date,
): Promise<void> {
  const after = since ?? new Date(Number(await startedSeconds(ctx)) * 1000);
  const neutron = new NeutronClient(apiUrl, PROBE_BOUND);
  return until(
    ctx,
    `"${agentType}" on host ${host} alive in ${apiUrl}/v2.0/agents with a heartbeat after ${after.toISOString()}`,
    async () => {
      const { body } = await neutron.answer('GET', '/v2.0/agents');
      return aliveSince((body as { agents?: Agent[] }).agents ?? [], agentType, host, after.getTime()) !== undefined;
    },
  );
}

/** The container's latest start, as Unix seconds with a fraction (Docker's `since`). */
async function startedSeconds(ctx: WaitContext): Promise<string> {
  const started = (await ctx.engine.inspectContainer(ctx.containerId))?.startedAt;
  const ms = started ? Date.parse(started) : Date.now();
  return (ms / 1000).toFixed(3);
}

/**
 * Rejects as soon as a line containing one of `texts` appears in the container's log since
 * its latest start (a failure the service does not exit on); `stop` ends the watch.
 */
export async function failOnLog(
  ctx: WaitContext,
  texts: string[],
): Promise<{ failed: Promise<never>; stop: () => void }> {
  let reject: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, r) => (reject = r));
  failed.catch(() => undefined);
  if (texts.length === 0) return { failed, stop: () => {} };
  const stop = await ctx.engine.followLogs(
    ctx.containerId,
    (_, line) => {
      const text = texts.find((t) => line.includes(t));
      if (text)
        void ctx.engine
          .logTail(ctx.containerId, TAIL_LINES)
          .then((tail) =>
            reject(new NotReady(ctx.service, `its log says it will not get ready: ${line.trim().slice(0, 400)}`, tail)),
          );
    },
    { since: await startedSeconds(ctx) },
  );
  return { failed, stop };
}

/** A line containing `text` appears in the container's log since its latest start. */
export async function logLine(ctx: WaitContext, text: string): Promise<void> {
  let seen = false;
  const stop = await ctx.engine.followLogs(
    ctx.containerId,
    (_, line) => {
      if (line.includes(text)) seen = true;
    },
    { since: await startedSeconds(ctx) },
  );
  try {
    await until(ctx, `the log line "${text}"`, async () => seen);
  } finally {
    stop();
  }
}
