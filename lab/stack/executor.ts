// `lab stack` and `lab restart`: from the validated config to running, ready services.
// Images are built when their context changed, containers are recreated when their config
// hash changed, everything else is left as it is (stack) or restarted (restart);
// independent services start in parallel, each after what it depends on is ready, each
// with a bounded readiness wait.
import { NeutronClient } from '../neutron/client.js';
import {
  ensureInitialNetworks,
  plumbedInQVpn,
  PRIVATE_NETWORK,
  PUBLIC_NETWORK,
  ROUTER,
  waitRouterWired,
} from '../neutron/networks.js';
import { Listr, PRESET_TIMER, type ListrTask } from 'listr2';
import { catalogVariables, loadCatalog, type Condition } from './catalog.js';
import { mountedContents } from './mounted.js';
import type { LabConfig } from '../config/resolve.js';
import { Engine, SubnetInUse, type ContainerInfo } from '../engine.js';
import { InputError, OperationError, type Problem } from '../errors.js';
import { formatOrigin } from '../config/origin.js';
import { reconcile, reconcileNetworks, type NetworkStep, type ServiceStep } from './reconcile.js';
import {
  buildArgs,
  contextImage,
  ensureBaseImage,
  imageLabels,
  serviceImages,
  wantedBase,
  type BaseImage,
} from './images.js';
import { loadLab, persistLab, type LoadedLab } from '../load.js';
import { acquireLabLock } from '../lock.js';
import { requirePlaces, requireWritableLogDir } from '../config/places.js';
import { ensureFollower } from '../logs/control.js';
import { subnetAdvice } from './subnets.js';
import { maskSecrets } from '../mask.js';
import { planLab, planNetworks, type Plan, type ServicePlan } from './plan.js';
import { bringUp, removeOrphans, stopForRestart, type ServiceOutcome } from './bring-up.js';

export { waitReady } from './bring-up.js';
export type { ServiceAction, ServiceOutcome } from './bring-up.js';
import { NotReady } from './waits.js';
import { reconnectTasks } from './reconnect.js';

export interface StackResult {
  lab: LoadedLab;
  base: BaseImage;
  images: { tag: string; built: boolean; ms: number }[];
  services: ServiceOutcome[];
  removed: string[];
  follower: 'running' | 'started';
  /** After a restart: services left alone whose config is now stale. */
  stale: string[];
  /** DevStack's initial networks this run made (empty when they were there already). */
  networksCreated: string[];
  /** The initial-networks step, with its wait for router1 wired (0 when it did not run). */
  networksMs: number;
  totalMs: number;
}

export interface StackOptions {
  localrc?: string | undefined;
  signal?: AbortSignal;
  /** Told each warning as soon as it is known, before the long steps. */
  warn?: (problem: Problem) => void;
  /** Told the loaded config before anything starts (the run log begins there). */
  onLoaded?: (lab: LoadedLab) => void;
  /** No progress output (for --json and benchmarks). */
  silent?: boolean;
  /** Told what lab waits for before it starts (another run holding the lab). */
  notice?: (line: string) => void;
  /**
   * `lab restart`: only these services (ENABLED_SERVICES names) are touched, and those
   * unchanged are restarted rather than left alone.
   */
  restart?: string[];
}

/** The result while the run fills it in. */
type PartialResult = Omit<StackResult, 'base' | 'totalMs' | 'follower' | 'networksCreated' | 'networksMs'> & {
  networksCreated?: string[];
  networksMs?: number;
  base?: BaseImage;
  follower?: StackResult['follower'];
};

/** A stack or restart that failed; `notReady` when a service did not become ready. */
export class StackFailed extends OperationError {
  constructor(
    message: string,
    readonly notReady: boolean,
  ) {
    super(message);
  }
}

async function ensureLabNetwork(engine: Engine, network: Plan['networks'][number], config: LabConfig): Promise<void> {
  try {
    await engine.ensureNetwork(network.name, network.labels, network.ipam);
  } catch (error) {
    if (error instanceof SubnetInUse) throw new OperationError(`${error.message}. ${subnetAdvice(error, config)}`);
    throw error;
  }
}

export async function stackLab(options: StackOptions): Promise<StackResult> {
  const began = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  const loaded = await loadLab({ localrc: options.localrc, signal });
  // Bad places are bad input: refused before the engine is even asked.
  requirePlaces(loaded.config);
  loadCatalog(catalogVariables(loaded.config));
  const engine = new Engine();
  await engine.requireEngine();
  signal.throwIfAborted();
  const release = await acquireLabLock(loaded.config.labName, options.restart ? 'restart' : 'stack', {
    ...(options.notice ? { say: options.notice } : {}),
    signal,
  });
  try {
    // Under the lock: passwords a concurrent first run stored are read, not made twice.
    return await stackLocked(loaded.again(), engine, options, signal, began);
  } finally {
    release();
  }
}

async function stackLocked(
  lab: LoadedLab,
  engine: Engine,
  options: StackOptions,
  signal: AbortSignal,
  began: number,
): Promise<StackResult> {
  const catalog = loadCatalog(catalogVariables(lab.config));
  // Before anything is written: a lab whose network moved is refused as it stands.
  refuseNetworkConflicts(
    reconcileNetworks(planNetworks(lab.config, catalog), await engine.listNetworks(lab.config.labName)),
    lab.config,
  );
  persistLab(lab);
  requireWritableLogDir(lab.config);
  options.onLoaded?.(lab);
  const warn = (p: Problem) => options.warn?.({ where: p.where, message: maskSecrets(p.message, lab.config.secrets) });
  [...lab.config.warnings, ...lab.rendering.warnings].forEach(warn);
  const config = lab.config;
  const restarting = options.restart;
  const enabled = catalog.services.filter((s) => config.enabledServices.includes(s.partOf));
  const touched = restarting ? enabled.filter((s) => restarting.includes(s.partOf)) : enabled;
  const result: PartialResult = { lab, images: [], services: [], removed: [], stale: [] };

  // Images first: the plan's hashes hold their ids.
  const images = new Map<string, { tag: string; id: string }>();
  await runTasks(
    [
      baseImageTask(engine, config, result),
      {
        title: 'Images',
        task: (_, task) =>
          task.newListr(
            [...new Set(touched.map((s) => s.context))].map((context) =>
              imageTask(engine, context, result, images, signal),
            ),
            { concurrent: true, exitOnError: true },
          ),
      },
    ],
    options,
    signal,
  );
  const base = result.base as BaseImage;
  // Services a restart does not touch: the tag their context has now (not built here).
  const plan = planLab(
    config,
    catalog,
    await serviceImages(engine, enabled, base, images),
    mountedContents(lab, catalog),
  );
  plan.warnings.forEach(warn);

  // Decide, then do.
  const containers = await engine.listContainers(plan.project);
  const decided: Decided = {
    steps: reconcile(plan, containers, restarting ? { restart: restarting } : {}),
    containers,
    restarting,
  };
  const tasks = doTasks(engine, lab, plan, decided, result, signal, began);
  const failures = await runTasks(tasks, options, signal);
  if (failures.length > 0)
    throw new StackFailed(
      failures.map((e) => e.message).join('\n'),
      failures.some((e) => e instanceof NotReady),
    );
  if (restarting) result.stale = [...new Set(await staleOthers(engine, plan, restarting))];
  return {
    ...result,
    base,
    follower: result.follower ?? 'running',
    networksCreated: result.networksCreated ?? [],
    networksMs: result.networksMs ?? 0,
    totalMs: Date.now() - began,
  };
}

/** Runs tasks with lab's progress output; the errors of tasks that do not stop the run. */
async function runTasks(tasks: ListrTask[], options: StackOptions, signal: AbortSignal): Promise<Error[]> {
  const list = new Listr<object>(tasks, {
    renderer: (options.silent ? 'silent' : 'default') as 'default',
    fallbackRenderer: (options.silent ? 'silent' : 'simple') as 'simple',
    fallbackRendererCondition: !process.stdout.isTTY,
    rendererOptions: { collapseSubtasks: false, timer: PRESET_TIMER },
    fallbackRendererOptions: { timer: PRESET_TIMER },
    exitOnError: true,
    collectErrors: 'minimal',
    // lab handles Ctrl-C itself: it aborts the waits and builds and exits 130.
    registerSignalListeners: false,
  });
  try {
    await list.run();
  } catch (error) {
    throw signal.aborted
      ? new OperationError(
          'interrupted; what was started is left as it is, and the next `lab stack` carries on from there',
        )
      : error;
  }
  return list.errors.map((e) => e.error).filter((e) => e instanceof Error);
}

function baseImageTask(engine: Engine, config: LabConfig, result: PartialResult): ListrTask {
  return {
    title: `Base image ${config.baseImage}`,
    task: async (_, task) => {
      result.base = await ensureBaseImage(engine, wantedBase(config), (line) => (task.output = line));
      task.title = `Base image ${result.base.ref} (${result.base.how})`;
    },
  };
}

/** The lab's Docker networks (fixed subnets first), its volumes, its orphans removed, and the log follower. */
function resourcesTask(
  engine: Engine,
  config: LabConfig,
  plan: Plan,
  decided: Decided,
  result: PartialResult,
): ListrTask {
  return {
    title: 'Network, volumes and logs',
    task: async (_, task) => {
      // Those with a fixed subnet first. Docker hands out its default pools in turn, not
      // lowest first: mgmt (no subnet) made first would in time get 172.24.0.0/16 and
      // shut out FLOATING_RANGE (it did in CI). Made after, it is given a pool that
      // overlaps none. And when a fixed subnet is taken, nothing of the lab is made.
      for (const network of [...plan.networks].sort(
        (a, b) => Number(b.ipam !== undefined) - Number(a.ipam !== undefined),
      ))
        await ensureLabNetwork(engine, network, config);
      for (const volume of plan.volumes) await engine.ensureVolume(volume.name, volume.labels);
      result.removed = await removeOrphans(engine, decided.steps, decided.containers);
      result.follower = await ensureFollower(config.labDir, config.labName, config.screenLogDir, config.logDays);
      task.title = `Network, volumes and logs: ${[...plan.networks, ...plan.volumes].map((r) => r.name).join(', ') || 'none'}; log follower ${result.follower}`;
    },
  };
}

/** The executor: reconcile's steps, then the initial networks, the broker's reconnects and router1. */
function doTasks(
  engine: Engine,
  lab: LoadedLab,
  plan: Plan,
  decided: Decided,
  result: PartialResult,
  signal: AbortSignal,
  began: number,
): ListrTask[] {
  const config = lab.config;
  const restarting = decided.restarting;
  const enabledHere = (service: LabConfig['enabledServices'][number]) => config.enabledServices.includes(service);
  // Services fail on their own (exitOnError: false); what needs them all ready then does not run.
  let failed = false;
  return [
    resourcesTask(engine, config, plan, decided, result),
    {
      // All at once, then started again in dependency order: the agent comes back to a
      // server that answers, and the slowest stop is paid once.
      title: 'Stop',
      enabled: () => restarting !== undefined,
      task: async (_, task) => {
        const stopped = await stopForRestart(engine, decided.steps, decided.containers);
        task.title = `Stop: ${stopped.join(', ') || 'nothing running'}`;
      },
    },
    {
      title: restarting ? 'Restart' : 'Services',
      task: (_, task) =>
        task.newListr(
          serviceTasks(engine, config, plan, decided, result, signal, began, () => (failed = true)),
          { concurrent: true, exitOnError: false },
        ),
    },
    initialNetworksTask(
      engine,
      config,
      plan,
      result,
      signal,
      () => restarting === undefined && config.networks.createInitial && enabledHere('q-svc') && !failed,
    ),
    {
      title: 'Reconnect',
      enabled: () => restarting !== undefined && restarting.includes('rabbit'),
      task: (_, task) =>
        task.newListr(
          reconnectTasks({
            engine,
            config,
            plan,
            restarting: [...(restarting ?? [])],
            outcomes: result.services,
            signal,
            began,
          }),
          {
            concurrent: true,
            exitOnError: false,
          },
        ),
    },
    routerTask(
      engine,
      config,
      plan,
      signal,
      () =>
        restarting !== undefined &&
        restarting.some((s) => s === 'q-vpn' || s === 'rabbit') &&
        enabledHere('q-vpn') &&
        enabledHere('q-svc') &&
        !failed,
    ),
  ];
}

/** DevStack's create_neutron_initial_network: after the services, once q-svc answers. */
function initialNetworksTask(
  engine: Engine,
  config: LabConfig,
  plan: Plan,
  result: PartialResult,
  signal: AbortSignal,
  enabled: () => boolean,
): ListrTask {
  const enabledHere = (service: LabConfig['enabledServices'][number]) => config.enabledServices.includes(service);
  return {
    title: 'Initial networks',
    enabled,
    task: async (_, task) => {
      const stepStarted = Date.now();
      const api = NeutronClient.forPort(config.qPort);
      signal.throwIfAborted();
      const made = await ensureInitialNetworks(api, config);
      result.networksCreated = made.created;
      // A q-vpn left running keeps its routers wired: only a new agent or router is waited for.
      const agentNew = result.services.some((s) => s.partOf === 'q-vpn' && s.action !== 'up to date');
      if (enabledHere('q-vpn') && (agentNew || made.created.length > 0))
        await waitRouterWired(api, made.router.id, 90_000, plumbedInQVpn(engine, plan.project), signal);
      result.networksMs = Date.now() - stepStarted;
      task.title = `Initial networks: ${made.created.length > 0 ? `created ${made.created.join(', ')}` : `${PUBLIC_NETWORK}, ${PRIVATE_NETWORK} and ${ROUTER} up to date`}`;
    },
  };
}

/** A restarted agent brings its routers back a few seconds after it is alive: router1 is waited for. */
function routerTask(
  engine: Engine,
  config: LabConfig,
  plan: Plan,
  signal: AbortSignal,
  enabled: () => boolean,
): ListrTask {
  return {
    title: `Router ${ROUTER}`,
    enabled,
    task: async (_, task) => {
      const api = NeutronClient.forPort(config.qPort);
      const router = await api.findByName('routers', ROUTER);
      if (!router) {
        task.title = `Router ${ROUTER}: none to wait for`;
        return;
      }
      await waitRouterWired(api, router.id, 90_000, plumbedInQVpn(engine, plan.project), signal);
      task.title = `Router ${ROUTER}: hosted and wired in q-vpn`;
    },
  };
}

function imageTask(
  engine: Engine,
  context: string,
  result: PartialResult,
  images: Map<string, { tag: string; id: string }>,
  signal: AbortSignal,
): ListrTask {
  return {
    title: context,
    task: async (_, sub) => {
      const base = result.base as BaseImage;
      const image = contextImage(context, base);
      sub.title = image.tag;
      const startedAt = Date.now();
      const existing = await engine.imageId(image.tag);
      if (existing) {
        images.set(context, { tag: image.tag, id: existing });
        result.images.push({ tag: image.tag, built: false, ms: 0 });
        sub.title = `${image.tag} (up to date)`;
        return;
      }
      // Only the steps as progress: the full build output is shown when a build fails.
      const progress = (line: string) => /^Step \d+\/\d+/.test(line) && (sub.output = `${image.name}: ${line}`);
      await engine.build(image.context, image.files, image.tag, buildArgs(base), imageLabels(image), progress, signal);
      images.set(context, { tag: image.tag, id: (await engine.imageId(image.tag)) ?? '' });
      result.images.push({ tag: image.tag, built: true, ms: Date.now() - startedAt });
      sub.title = `${image.tag} (built in ${seconds(Date.now() - startedAt)})`;
    },
  };
}

/** Enabled services a restart left alone whose config changed too (a shared neutron.conf). */
async function staleOthers(engine: Engine, plan: Plan, restarting: string[]): Promise<string[]> {
  const existing = await engine.listContainers(plan.project);
  return plan.services
    .filter((p) => !restarting.includes(p.service.partOf) && !p.service.oneShot)
    .filter((p) => {
      const found = existing.find((c) => c.service === p.service.name);
      return found !== undefined && found.configHash !== p.configHash;
    })
    .map((p) => p.service.partOf);
}

/** What the services step runs: reconcile's steps, over the containers they were decided on. */
interface Decided {
  steps: ServiceStep[];
  containers: ContainerInfo[];
  /** `lab restart`: the services asked for. */
  restarting: readonly string[] | undefined;
}

function serviceTasks(
  engine: Engine,
  config: LabConfig,
  plan: Plan,
  decided: Decided,
  result: PartialResult,
  signal: AbortSignal,
  began: number,
  onFailure: () => void,
): ListrTask[] {
  const outcomes = new Map<string, Promise<unknown>>();
  const stepOf = (name: string) => decided.steps.find((s) => s.service === name);
  // A restart leaves alone what it keeps (no readiness wait); a stack waits for every service.
  const runs = (p: ServicePlan) =>
    !decided.restarting || decided.restarting.includes(p.service.partOf) || stepOf(p.service.name)?.action !== 'keep';
  const targets = plan.services.filter(runs);
  for (const p of plan.services) if (!targets.includes(p)) outcomes.set(p.service.name, Promise.resolve());
  const conditionMet = (service: string, condition: Condition) => {
    const outcome = outcomes.get(service) ?? Promise.resolve();
    // A failed dependency fails this one too, with its own message shown once.
    return condition === 'service_started' ? outcome.catch(() => undefined) : outcome;
  };
  return targets.map((servicePlan): ListrTask => {
    const name = servicePlan.service.name;
    let settle: { resolve: (o: ServiceOutcome) => void; reject: (e: unknown) => void } = {
      resolve: () => {},
      reject: () => {},
    };
    const promise = new Promise<ServiceOutcome>((resolve, reject) => (settle = { resolve, reject }));
    promise.catch(() => undefined);
    outcomes.set(name, promise);
    return {
      title: name,
      task: async (_, sub) => {
        try {
          for (const dep of servicePlan.waitsFor) {
            sub.output = `${name}: waiting for ${dep.service}`;
            await conditionMet(dep.service, dep.condition);
          }
          const step = stepOf(name) ?? {
            service: name,
            partOf: servicePlan.service.partOf,
            action: 'create',
            cause: 'no container yet',
          };
          const container = decided.containers.find((c) => c.service === name);
          const outcome = await bringUp(
            engine,
            config,
            servicePlan,
            step,
            container,
            (line) => (sub.output = `${name}: ${line}`),
            signal,
            began,
          );
          sub.title = `${name}: ready (${outcome.action}${outcome.readyMs > 0 ? `, ${seconds(outcome.readyMs)}` : ''})`;
          result.services.push(outcome);
          settle.resolve(outcome);
        } catch (error) {
          onFailure();
          settle.reject(error);
          throw error;
        }
      },
    };
  });
}

/** A network whose subnet changed under a lab that is up: refused with the ways out, before anything changes. */
function refuseNetworkConflicts(networks: NetworkStep[], config: LabConfig): void {
  const conflicts = networks.filter((n) => n.action === 'conflict');
  if (conflicts.length === 0) return;
  const where = config.settings.FLOATING_RANGE?.origin;
  throw new InputError(
    conflicts.map((n) => ({
      where: `network ${n.network}`,
      message: `${n.cause} (FLOATING_RANGE${where && where.kind !== 'default' ? `, ${formatOrigin(where)}` : ''}). Neutron's public subnet and the routers' gateways live on the old range, so lab does not move the network under them: set FLOATING_RANGE back, or start the lab afresh with \`lab clean\` (it removes the lab's Neutron database too) and \`lab stack\``,
    })),
  );
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
