// Deciding what `lab stack` and `lab restart` do, apart from doing it (docker compose's
// reconcile and executor): from the plan and what the engine reports, the steps, each with
// its cause. Pure: the executor (executor.ts) runs the steps, `lab stack --dry-run` prints them.
import { LABEL } from '../labels.js';
import type { ConfigParts, Plan, ServicePlan } from './plan.js';

export type StepAction = 'create' | 'recreate' | 'start' | 'restart' | 'keep' | 'remove';

export interface ServiceStep {
  service: string;
  partOf: string;
  action: StepAction;
  /** Why, in words a user can act on: "rendered l3_agent.ini changed". */
  cause: string;
  /** A one-shot service (q-db-sync) that ran to completion: nothing to wait for. */
  done?: boolean;
}

/** What reconcile needs to know of a container the engine reports. */
export interface ObservedContainer {
  service: string;
  partOf: string;
  state: string;
  exitCode: number | undefined;
  configHash: string | undefined;
  labels: Record<string, string>;
}

export interface ReconcileMode {
  /** `lab restart`: only these services (ENABLED_SERVICES names) are restarted. */
  restart?: readonly string[];
}

export function reconcile(
  plan: Plan,
  containers: readonly ObservedContainer[],
  mode: ReconcileMode = {},
): ServiceStep[] {
  const found = (name: string) => containers.find((c) => c.service === name);
  const targets = mode.restart ? plan.services.filter((p) => mode.restart?.includes(p.service.partOf)) : plan.services;
  const needed = mode.restart ? dependenciesOf(plan, targets) : new Map<string, string>();
  const steps = plan.services.map((p): ServiceStep => {
    const container = found(p.service.name);
    if (targets.includes(p)) return mode.restart ? restartStep(p, container) : stackStep(p, container);
    const waiter = needed.get(p.service.name);
    return waiter
      ? dependencyStep(p, container, waiter)
      : step(p, 'keep', mode.restart ? 'not asked to restart' : 'up to date');
  });
  followNamespaces(plan, steps, found);
  if (mode.restart) return steps;
  const wanted = new Set(plan.services.map((p) => p.service.name));
  const orphans = containers.filter((c) => !wanted.has(c.service));
  return [
    ...steps,
    ...orphans.map((c): ServiceStep => ({
      service: c.service,
      partOf: c.partOf,
      action: 'remove',
      cause: 'no longer in ENABLED_SERVICES',
    })),
  ];
}

/**
 * A service in another's network namespace goes with it: Docker joins the namespace the
 * owner has when the joiner starts, and names the owner by id when the joiner is made. So
 * a new owner means a new joiner, and a restarted owner a restarted joiner.
 */
function followNamespaces(
  plan: Plan,
  steps: ServiceStep[],
  found: (name: string) => ObservedContainer | undefined,
): void {
  // The catalog refuses chains (an owner sharing a third's namespace): one pass is enough.
  for (const p of plan.services) {
    const owner = p.service.networkOf;
    const ownerStep = steps.find((s) => s.service === owner);
    const index = steps.findIndex((s) => s.service === p.service.name);
    const own = steps[index];
    if (!ownerStep || !own || ownerStep.action === 'keep' || own.action === 'create' || own.action === 'recreate')
      continue;
    const shares = `it shares ${owner}'s network namespace`;
    if (ownerStep.action === 'create' || ownerStep.action === 'recreate')
      steps[index] = step(p, 'recreate', `${shares}, and ${owner} is made anew`);
    else if (own.action === 'keep' || own.action === 'restart')
      steps[index] = step(
        p,
        found(p.service.name)?.state === 'running' ? 'restart' : 'start',
        `${shares}, and ${owner} restarts`,
      );
  }
}

function step(p: ServicePlan, action: StepAction, cause: string, done = false): ServiceStep {
  return { service: p.service.name, partOf: p.service.partOf, action, cause, ...(done ? { done } : {}) };
}

function stackStep(p: ServicePlan, container: ObservedContainer | undefined): ServiceStep {
  if (!container) return step(p, 'create', 'no container yet');
  if (container.configHash !== p.configHash) return step(p, 'recreate', changeCause(p.parts, container));
  if (p.service.oneShot) return oneShotStep(p, container);
  if (container.state === 'running') return step(p, 'keep', 'up to date');
  return step(p, 'start', stateWords(container));
}

function restartStep(p: ServicePlan, container: ObservedContainer | undefined): ServiceStep {
  if (!container) return step(p, 'create', 'no container yet');
  if (container.configHash !== p.configHash) return step(p, 'recreate', changeCause(p.parts, container));
  if (p.service.oneShot) return oneShotStep(p, container);
  if (container.state === 'running') return step(p, 'restart', 'asked to restart');
  return step(p, 'start', `asked to restart; ${stateWords(container)}`);
}

/** A one-shot (the database migration) runs again only when its last run did not succeed. */
function oneShotStep(p: ServicePlan, container: ObservedContainer): ServiceStep {
  if (container.state === 'exited' && container.exitCode === 0) return step(p, 'keep', 'ran to completion', true);
  return step(p, 'recreate', `its last run did not complete (${stateWords(container)}): run again`);
}

/** A service a restarted one waits for: started if it is not running, never recreated by a restart. */
function dependencyStep(p: ServicePlan, container: ObservedContainer | undefined, waiter: string): ServiceStep {
  if (!container) return step(p, 'create', `${waiter} waits for it, and it has no container`);
  if (p.service.oneShot)
    return container.state === 'exited' && container.exitCode === 0
      ? step(p, 'keep', 'ran to completion', true)
      : step(p, 'recreate', `${waiter} waits for it, and its last run did not complete`);
  if (container.state === 'running') return step(p, 'keep', `not asked to restart; ${waiter} waits for it`);
  return step(p, 'start', `${waiter} waits for it (${stateWords(container)})`);
}

/** Services the targets wait for, directly or through others, with the target that needs each. */
function dependenciesOf(plan: Plan, targets: readonly ServicePlan[]): Map<string, string> {
  const needed = new Map<string, string>();
  const visit = (p: ServicePlan, waiter: string) => {
    for (const dep of p.waitsFor) {
      const planned = plan.services.find((s) => s.service.name === dep.service);
      if (!planned || targets.includes(planned) || needed.has(dep.service)) continue;
      needed.set(dep.service, waiter);
      visit(planned, waiter);
    }
  };
  for (const target of targets) visit(target, target.service.name);
  return needed;
}

function stateWords(container: ObservedContainer): string {
  if (container.state === 'exited') return `exited (${container.exitCode ?? '?'})`;
  if (container.state === 'created') return 'created, never started';
  return container.state;
}

/** What differs between the container's recorded inputs and the plan's, said as a cause. */
export function changeCause(planned: ConfigParts, container: ObservedContainer): string {
  const recorded = readParts(container.labels);
  if (!recorded) return 'made by an earlier lab, which did not record what it was made from';
  const causes: string[] = [];
  // Another release is another image, other files and other data: that alone is the cause.
  if (recorded.release !== undefined && planned.release !== undefined && recorded.release !== planned.release)
    return `OPENSTACK_RELEASE changed (${recorded.release} -> ${planned.release})`;
  if (recorded.image !== planned.image) causes.push(imageChange(recorded.image, planned.image));
  for (const [target, hash] of Object.entries(planned.files)) {
    const file = target.split('/').pop() ?? target;
    if (!(target in recorded.files)) causes.push(`now mounts ${file}`);
    else if (recorded.files[target] !== hash) causes.push(`rendered ${file} changed`);
  }
  for (const target of Object.keys(recorded.files))
    if (!(target in planned.files)) causes.push(`no longer mounts ${target.split('/').pop() ?? target}`);
  const options = new Set([...Object.keys(planned.options), ...Object.keys(recorded.options)]);
  for (const key of [...options].sort())
    if (planned.options[key] !== recorded.options[key]) causes.push(`its ${key} changed`);
  return causes.length > 0 ? causes.join('; ') : 'its config hash changed';
}

/** Images are recorded as "<tag> <id>" or "<tag> not built". */
function imageChange(was: string, now: string): string {
  const [wasTag, wasId] = was.split(' ');
  const [nowTag, nowId] = now.split(' ');
  if (now.endsWith(' not built')) return `image ${nowTag} is to be built (its build context or base changed)`;
  if (wasTag !== nowTag) return `image changed (${wasTag} -> ${nowTag})`;
  return `image ${nowTag} was rebuilt (${wasId} -> ${nowId})`;
}

function readParts(labels: Record<string, string>): ConfigParts | undefined {
  const text = labels[LABEL.configParts];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ConfigParts>;
    return {
      ...(typeof parsed.release === 'string' ? { release: parsed.release } : {}),
      image: String(parsed.image ?? ''),
      files: parsed.files ?? {},
      options: parsed.options ?? {},
    };
  } catch {
    return undefined;
  }
}

export interface NetworkStep {
  network: string;
  action: 'create' | 'keep' | 'conflict';
  cause: string;
}

export interface ObservedNetwork {
  name: string;
  labels: Record<string, string>;
  subnets: string[];
}

/**
 * Networks are made once and kept. One whose fixed subnet changed (FLOATING_RANGE edited on a
 * lab that is up) is a conflict, not a recreate: Neutron's own public subnet and the routers'
 * gateways were made on the old range, and recreating the Docker network would not move them.
 */
export function reconcileNetworks(networks: Plan['networks'], observed: readonly ObservedNetwork[]): NetworkStep[] {
  return networks.map((network): NetworkStep => {
    const found = observed.find((n) => n.name === network.name);
    if (!found)
      return {
        network: network.name,
        action: 'create',
        cause: network.ipam ? `subnet ${network.ipam.subnet}` : 'an address range Docker picks',
      };
    const recorded = found.labels[LABEL.configHash];
    const same =
      recorded !== undefined
        ? recorded === network.labels[LABEL.configHash]
        : !network.ipam || found.subnets.includes(network.ipam.subnet);
    if (same) return { network: network.name, action: 'keep', cause: 'up to date' };
    const was = found.subnets.join(', ') || 'an address range Docker picked';
    const now = network.ipam
      ? `${network.ipam.subnet}${network.ipam.ipRange ? ` (Docker's part ${network.ipam.ipRange})` : ''}`
      : 'an address range Docker picks';
    return { network: network.name, action: 'conflict', cause: `made with ${was}; the lab now says ${now}` };
  });
}
