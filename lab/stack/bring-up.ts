// Bringing up one service, as reconcile decided: create or recreate its container, start or
// restart it, then wait until it is ready (Docker's view, then lab's own checks, from the
// catalog's x-lab.ready); and the stops and removals a run does before that.
import type { LabConfig } from '../config/resolve.js';
import type { ContainerInfo, Engine } from '../engine.js';
import type { CatalogService } from './catalog.js';
import type { ServicePlan } from './plan.js';
import type { ServiceStep } from './reconcile.js';
import { agentAlive, completed, failOnLog, healthy, httpOk, logLine, running, type WaitContext } from './waits.js';

export type ServiceAction =
  'up to date' | 'started' | 'created' | 'recreated' | 'restarted' | 'already done' | 'reconnected';

export interface ServiceOutcome {
  service: string;
  partOf: string;
  action: ServiceAction;
  /** From the container's start to ready (0 when nothing had to start). */
  readyMs: number;
  /** From the beginning of the run to ready: where it sits on the critical path. */
  readyAtMs: number;
  /** The services it waited for (its edges on the critical path). */
  waitsFor: string[];
}

/** reconcile's removals: containers of this lab whose service is no longer enabled. */
export async function removeOrphans(
  engine: Engine,
  steps: ServiceStep[],
  containers: ContainerInfo[],
): Promise<string[]> {
  const removing = steps.filter((s) => s.action === 'remove');
  for (const step of removing) {
    const found = containers.find((c) => c.service === step.service);
    if (found) await engine.removeContainer(found.id);
  }
  return removing.map((s) => s.service);
}

const RESTART_STOP_SECONDS = 10;

/** Stops the running containers a restart will start again (all at once: the slowest stop is paid once). */
export async function stopForRestart(
  engine: Engine,
  steps: ServiceStep[],
  containers: ContainerInfo[],
): Promise<string[]> {
  const stopping = steps
    .filter((s) => s.action === 'restart')
    .flatMap((s) => containers.filter((c) => c.service === s.service && c.state === 'running'));
  await Promise.all(stopping.map((c) => engine.stopContainer(c.id, RESTART_STOP_SECONDS)));
  return stopping.map((c) => c.service);
}

const OUTCOME_OF: Record<ServiceStep['action'], ServiceAction> = {
  create: 'created',
  recreate: 'recreated',
  start: 'started',
  restart: 'restarted',
  keep: 'up to date',
  remove: 'up to date',
};

/** Does one step of reconcile's, then waits until the service is ready. */
export async function bringUp(
  engine: Engine,
  config: LabConfig,
  plan: ServicePlan,
  step: ServiceStep,
  container: ContainerInfo | undefined,
  say: (line: string) => void,
  signal: AbortSignal,
  began: number,
): Promise<ServiceOutcome> {
  const outcome = (action: ServiceAction, readyMs: number): ServiceOutcome => ({
    service: plan.service.name,
    partOf: plan.service.partOf,
    action,
    readyMs,
    readyAtMs: Date.now() - began,
    waitsFor: plan.waitsFor.map((w) => w.service),
  });
  if (step.done) return outcome('already done', 0);
  let id = container?.id ?? '';
  if (step.action === 'recreate' || step.action === 'create') {
    if (container) {
      say(`recreating: ${step.cause}`);
      await engine.removeContainer(container.id);
    }
    id = await create(engine, plan);
  }
  const startedAt = Date.now();
  if (step.action === 'restart' && (await engine.inspectContainer(id))?.state === 'running') {
    say('restarting');
    await engine.restartContainer(id, RESTART_STOP_SECONDS);
  } else if (step.action !== 'keep') {
    say('starting');
    await engine.startContainer(id);
  }
  say('waiting until ready');
  await waitReady(engine, config, plan.service, id, signal);
  return outcome(OUTCOME_OF[step.action], step.action === 'keep' ? 0 : Date.now() - startedAt);
}

async function create(engine: Engine, plan: ServicePlan): Promise<string> {
  const id = await engine.createContainer(plan.create);
  for (const network of plan.extraNetworks)
    await engine.connectNetwork(id, network.name, network.aliases, network.ipv4Address);
  return id;
}

/** The readiness of one service: Docker's view (healthy, or exited 0), then lab's own checks. */
export async function waitReady(
  engine: Engine,
  config: LabConfig,
  service: CatalogService,
  containerId: string,
  signal: AbortSignal,
): Promise<void> {
  const ctx: WaitContext = {
    engine,
    service: service.name,
    containerId,
    deadline: Date.now() + service.timeoutMs,
    signal,
  };
  if (service.oneShot) return completed(ctx);
  const watch = await failOnLog(
    ctx,
    service.ready.flatMap((c) => ('fail' in c ? [c.fail] : [])),
  );
  const api = `http://127.0.0.1:${config.qPort}`;
  // The checks stop when the watch fails first: nothing polls on after this returns.
  const inner = new AbortController();
  const abortInner = () => inner.abort(signal.reason);
  signal.addEventListener('abort', abortInner, { once: true });
  const checks = async (ctx: WaitContext) => {
    await (service.healthcheck ? healthy(ctx) : running(ctx));
    for (const check of service.ready) {
      if ('http' in check) await httpOk(ctx, check.http);
      else if ('agent' in check) await agentAlive(ctx, api, check.agent, service.seenHostname ?? '');
      else if ('log' in check && expectsDriverLine(config)) await logLine(ctx, check.log);
    }
  };
  const checking = checks({ ...ctx, signal: inner.signal });
  checking.catch(() => undefined);
  try {
    await Promise.race([checking, watch.failed]);
  } finally {
    watch.stop();
    inner.abort(new Error('done'));
    signal.removeEventListener('abort', abortInner);
  }
}

/**
 * The agent logs "Loaded VPNaaS device driver" at DEBUG level, and only with the vpnaas
 * extension: without either, waiting for the line would only time out (the config
 * warnings and `lab check` say why).
 */
function expectsDriverLine(config: LabConfig): boolean {
  return config.debug && config.agentLoadsVpnExtension;
}
