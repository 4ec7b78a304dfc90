// After RabbitMQ restarted, the running agents must talk through it again. Each agent is
// given its readiness budget to send a heartbeat through the new broker; one that does not
// is restarted, and lab says so. A service in an agent's network namespace (q-vpn in
// q-agt's) goes with it: a restarted owner has a new namespace, and a joiner left running
// would keep working in the old one, wired to nothing.
import type { ListrTask } from 'listr2';
import type { LabConfig } from '../config/resolve.js';
import type { Engine } from '../engine.js';
import type { ServiceStep } from './reconcile.js';
import type { Plan, ServicePlan } from './plan.js';
import { bringUp, type ServiceOutcome } from './bring-up.js';
import { agentAlive, type WaitContext } from './waits.js';

export interface ReconnectRun {
  engine: Engine;
  config: LabConfig;
  plan: Plan;
  /** The services `lab restart` was asked for (rabbit among them): they are not waited for here. */
  restarting: string[];
  outcomes: ServiceOutcome[];
  signal: AbortSignal;
  began: number;
}

type Say = (line: string) => void;

const outcome = (restarted: boolean) =>
  restarted ? 'restarted, it did not reconnect to rabbit by itself' : 'reconnected to rabbit';

/** One task per running agent that is not itself restarted; an agent's namespace joiners ride in its task. */
export function reconnectTasks(run: ReconnectRun): ListrTask[] {
  const waiting = run.plan.services.filter(
    (p) => !run.restarting.includes(p.service.partOf) && p.service.ready.some((c) => 'agent' in c),
  );
  const joinerOf = (owner: string) => waiting.filter((p) => p.service.networkOf === owner);
  const owners = waiting.filter((p) => !waiting.some((o) => o.service.name === p.service.networkOf));
  return owners.map((owner): ListrTask => ({
    title: owner.service.name,
    task: async (_, sub) => {
      const say: Say = (line) => (sub.output = line);
      const restarted = await reconnectOrRestart(run, owner, say);
      const titles = [`${owner.service.name}: ${outcome(restarted)}`];
      for (const joiner of joinerOf(owner.service.name)) {
        if (restarted) {
          await restart(
            run,
            joiner,
            `it shares ${owner.service.name}'s network namespace, and ${owner.service.name} restarted`,
            say,
          );
          titles.push(`${joiner.service.name}: restarted with ${owner.service.name}`);
        } else {
          const own = await reconnectOrRestart(run, joiner, say);
          titles.push(`${joiner.service.name}: ${outcome(own)}`);
        }
      }
      sub.title = titles.join('; ');
    },
  }));
}

/** Waits for the agent's heartbeat through the restarted broker; restarts it when none comes. True when it was restarted. */
async function reconnectOrRestart(run: ReconnectRun, servicePlan: ServicePlan, say: Say): Promise<boolean> {
  const name = servicePlan.service.name;
  const container = await runningContainer(run, name);
  if (!container) return false;
  const since = new Date();
  const ctx: WaitContext = {
    engine: run.engine,
    service: name,
    containerId: container.id,
    deadline: Date.now() + servicePlan.service.timeoutMs,
    signal: run.signal,
  };
  const check = servicePlan.service.ready.find((c): c is { agent: string } => 'agent' in c);
  try {
    say(`${name}: waiting for a heartbeat through the restarted broker`);
    await agentAlive(
      ctx,
      `http://127.0.0.1:${run.config.qPort}`,
      check?.agent ?? '',
      servicePlan.service.seenHostname ?? '',
      since,
    );
  } catch {
    say(`${name}: did not reconnect; restarting it`);
    await restart(run, servicePlan, 'did not reconnect to the restarted broker', say);
    return true;
  }
  run.outcomes.push({
    service: name,
    partOf: servicePlan.service.partOf,
    action: 'reconnected',
    readyMs: Date.now() - since.getTime(),
    readyAtMs: Date.now() - run.began,
    waitsFor: [],
  });
  return false;
}

async function restart(run: ReconnectRun, servicePlan: ServicePlan, cause: string, say: Say): Promise<void> {
  const name = servicePlan.service.name;
  const container = await runningContainer(run, name);
  if (!container) return;
  const step: ServiceStep = { service: name, partOf: servicePlan.service.partOf, action: 'restart', cause };
  const outcome = await bringUp(
    run.engine,
    run.config,
    servicePlan,
    step,
    container,
    (line) => say(`${name}: ${line}`),
    run.signal,
    run.began,
  );
  run.outcomes.push(outcome);
}

async function runningContainer(run: ReconnectRun, name: string) {
  const container = (await run.engine.listContainers(run.plan.project)).find((c) => c.service === name);
  return container?.state === 'running' ? container : undefined;
}
