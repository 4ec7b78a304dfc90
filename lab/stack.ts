// `lab stack`: from the validated config to running, ready services. Images are built
// when their context changed, containers are recreated when their config hash changed,
// everything else is left as it is; independent services start in parallel, each after
// what it depends on is ready, each with a bounded readiness wait.
import { Listr, PRESET_TIMER, type ListrTask } from 'listr2';
import { catalogVariables, loadCatalog, type CatalogService, type Condition } from './catalog.js';
import type { LabConfig } from './config/resolve.js';
import { Engine, type ContainerInfo } from './engine.js';
import { OperationError, type Problem } from './errors.js';
import { contextImage, ensureBaseImage, imageLabels, type BaseImage, type ContextImage } from './images.js';
import { loadLab, persistLab, type LoadedLab } from './load.js';
import { maskSecrets } from './mask.js';
import { planLab, type Plan, type ServicePlan } from './plan.js';
import { renderedPath } from './config/labdir.js';
import { agentAlive, completed, healthy, httpOk, logLine, running, type WaitContext } from './waits.js';

export type ServiceAction = 'up to date' | 'started' | 'created' | 'recreated' | 'already done';

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

export interface StackResult {
  lab: LoadedLab;
  base: BaseImage;
  images: { tag: string; built: boolean; ms: number }[];
  services: ServiceOutcome[];
  removed: string[];
  totalMs: number;
}

export interface StackOptions {
  localrc?: string | undefined;
  signal?: AbortSignal;
  /** Told each warning as soon as it is known, before the long steps. */
  warn?: (problem: Problem) => void;
  /** No progress output (for --json and benchmarks). */
  silent?: boolean;
}

export async function stackLab(options: StackOptions): Promise<StackResult> {
  const began = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  const lab = await loadLab({ localrc: options.localrc });
  const catalog = loadCatalog(catalogVariables(lab.config));
  const engine = new Engine();
  await engine.requireEngine();
  persistLab(lab);
  const warn = (p: Problem) => options.warn?.({ where: p.where, message: maskSecrets(p.message, lab.config.secrets) });
  [...lab.config.warnings, ...lab.rendering.warnings].forEach(warn);

  const config = lab.config;
  const enabled = catalog.services.filter((s) => config.enabledServices.includes(s.partOf));
  const contexts = [...new Set(enabled.map((s) => s.context))];
  const result: Omit<StackResult, 'base' | 'totalMs'> & { base?: BaseImage } = { lab, images: [], services: [], removed: [] };
  const images = new Map<string, { tag: string; id: string }>();
  let plan: Plan | undefined;

  const tasks = new Listr<object>(
    [
      {
        title: `Base image ${config.baseImage}`,
        task: async (_, task) => {
          result.base = await ensureBaseImage(engine, config.baseImage, (line) => (task.output = line));
          task.title = `Base image ${result.base.ref} (${result.base.how})`;
        },
      },
      {
        title: 'Images',
        task: (_, task) =>
          task.newListr(
            contexts.map((context): ListrTask => ({
              title: context,
              task: async (__, sub) => {
                const image = contextImage(context, result.base as BaseImage);
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
                await buildImage(engine, image, result.base as BaseImage, (line) => /^Step \d+\/\d+/.test(line) && (sub.output = `${image.name}: ${line}`), signal);
                images.set(context, { tag: image.tag, id: (await engine.imageId(image.tag)) ?? '' });
                result.images.push({ tag: image.tag, built: true, ms: Date.now() - startedAt });
                sub.title = `${image.tag} (built in ${seconds(Date.now() - startedAt)})`;
              },
            })),
            { concurrent: true, exitOnError: true },
          ),
      },
      {
        title: 'Network and volumes',
        task: async (_, task) => {
          plan = planLab(config, catalog, images, mountedContents(lab));
          plan.warnings.forEach(warn);
          for (const network of plan.networks) await engine.ensureNetwork(network.name, network.labels);
          for (const volume of plan.volumes) await engine.ensureVolume(volume.name, volume.labels);
          result.removed = await removeOrphans(engine, plan);
          task.title = `Network and volumes: ${[...plan.networks, ...plan.volumes].map((r) => r.name).join(', ') || 'none'}`;
        },
      },
      {
        title: 'Services',
        task: (_, task) => {
          const current = plan as Plan;
          const existing = engine.listContainers(current.project);
          const outcomes = new Map<string, Promise<ServiceOutcome>>();
          const conditionMet = (service: string, condition: Condition) => {
            const outcome = outcomes.get(service);
            if (!outcome) throw new Error(`no plan for ${service}`);
            // A failed dependency fails this one too, with its own message shown once.
            return condition === 'service_started' ? outcome.catch(() => undefined) : outcome;
          };
          const subtasks = current.services.map((servicePlan): ListrTask => {
            let resolveOutcome: (o: ServiceOutcome) => void = () => {};
            let rejectOutcome: (e: unknown) => void = () => {};
            const promise = new Promise<ServiceOutcome>((resolve, reject) => {
              resolveOutcome = resolve;
              rejectOutcome = reject;
            });
            promise.catch(() => undefined);
            outcomes.set(servicePlan.service.name, promise);
            return {
              title: servicePlan.service.name,
              task: async (__, sub) => {
                try {
                  for (const dep of servicePlan.waitsFor) {
                    sub.output = `${servicePlan.service.name}: waiting for ${dep.service}`;
                    await conditionMet(dep.service, dep.condition);
                  }
                  const outcome = await bringUp(engine, config, servicePlan, await existing, (line) => (sub.output = `${servicePlan.service.name}: ${line}`), signal, began);
                  sub.title = `${servicePlan.service.name}: ready (${outcome.action}${outcome.readyMs > 0 ? `, ${seconds(outcome.readyMs)}` : ''})`;
                  result.services.push(outcome);
                  resolveOutcome(outcome);
                } catch (error) {
                  rejectOutcome(error);
                  throw error;
                }
              },
            };
          });
          return task.newListr(subtasks, { concurrent: true, exitOnError: false });
        },
      },
    ],
    {
      renderer: (options.silent ? 'silent' : 'default') as 'default',
      fallbackRenderer: 'simple',
      fallbackRendererCondition: !process.stdout.isTTY,
      rendererOptions: { collapseSubtasks: false, timer: PRESET_TIMER },
      fallbackRendererOptions: { timer: PRESET_TIMER },
      exitOnError: true,
      collectErrors: 'minimal',
    },
  );
  try {
    await tasks.run();
  } catch (error) {
    throw signal.aborted ? new OperationError('interrupted; what was started is left as it is, and the next `lab stack` carries on from there') : error;
  }
  const failures = tasks.errors.map((e) => e.error).filter((e) => e instanceof Error);
  if (failures.length > 0) throw new OperationError(failures.map((e) => e.message).join('\n'));
  return { ...result, base: result.base as BaseImage, totalMs: Date.now() - began };
}

async function buildImage(engine: Engine, image: ContextImage, base: BaseImage, say: (line: string) => void, signal: AbortSignal): Promise<void> {
  await engine.build(image.context, image.files, image.tag, { LAB_BASE_IMAGE: base.ref }, imageLabels(image), say, signal);
}

/** What the bind-mounted rendered files contain, for the config hash. */
function mountedContents(lab: LoadedLab): Map<string, string> {
  return new Map(lab.rendering.files.map((f) => [renderedPath(lab.config.labDir, f.spec.containerPath), f.document.toString()]));
}

/** Containers of this lab whose service is no longer enabled are stopped and removed. */
async function removeOrphans(engine: Engine, plan: Plan): Promise<string[]> {
  const wanted = new Set(plan.services.map((s) => s.service.name));
  const orphans = (await engine.listContainers(plan.project)).filter((c) => !wanted.has(c.service));
  for (const orphan of orphans) await engine.removeContainer(orphan.id);
  return orphans.map((o) => o.service);
}

async function bringUp(engine: Engine, config: LabConfig, plan: ServicePlan, existing: ContainerInfo[], say: (line: string) => void, signal: AbortSignal, began: number): Promise<ServiceOutcome> {
  const service = plan.service;
  const found = existing.find((c) => c.service === service.name);
  let id: string;
  let action: ServiceAction;
  if (found && found.configHash === plan.configHash) {
    id = found.id;
    if (service.oneShot && found.state === 'exited' && found.exitCode === 0) {
      return { service: service.name, partOf: service.partOf, action: 'already done', readyMs: 0, readyAtMs: Date.now() - began, waitsFor: plan.waitsFor.map((w) => w.service) };
    }
    if (found.state === 'running') action = 'up to date';
    else {
      if (service.oneShot) {
        await engine.removeContainer(found.id);
        id = await create(engine, plan);
      }
      action = 'started';
    }
  } else {
    if (found) {
      say('config or image changed: recreating');
      await engine.removeContainer(found.id);
    }
    id = await create(engine, plan);
    action = found ? 'recreated' : 'created';
  }
  const startedAt = Date.now();
  if (action !== 'up to date') {
    say('starting');
    await engine.startContainer(id);
  }
  say('waiting until ready');
  await waitReady(engine, config, service, id, signal);
  const now = Date.now();
  return { service: service.name, partOf: service.partOf, action, readyMs: action === 'up to date' ? 0 : now - startedAt, readyAtMs: now - began, waitsFor: plan.waitsFor.map((w) => w.service) };
}

async function create(engine: Engine, plan: ServicePlan): Promise<string> {
  const id = await engine.createContainer(plan.create);
  for (const network of plan.extraNetworks) await engine.connectNetwork(id, network.name, network.aliases);
  return id;
}

/** The readiness of one service: Docker's view (healthy, or exited 0), then lab's own checks. */
export async function waitReady(engine: Engine, config: LabConfig, service: CatalogService, containerId: string, signal: AbortSignal): Promise<void> {
  const ctx: WaitContext = { engine, service: service.name, containerId, deadline: Date.now() + service.timeoutMs, signal };
  if (service.oneShot) return completed(ctx);
  await (service.healthcheck ? healthy(ctx) : running(ctx));
  const api = `http://127.0.0.1:${config.qPort}`;
  for (const check of service.ready) {
    if ('http' in check) await httpOk(ctx, check.http);
    else if ('agent' in check) await agentAlive(ctx, api, check.agent, service.hostname ?? '');
    else if (config.debug) await logLine(ctx, check.log);
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
