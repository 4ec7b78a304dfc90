// `lab status`: what runs for a lab, found by label, and whether each container's config
// is current or stale against the localrc as it is now.
import { catalogVariables, loadCatalog } from './catalog.js';
import { mountedContents } from './mounted.js';
import type { ContainerInfo, Engine } from '../engine.js';
import { presentBaseImage, serviceImages, wantedBase } from './images.js';
import { LABEL } from '../labels.js';
import { followerPaths, runningFollower } from '../logs/control.js';
import { describeStatus, readStatus, type FollowerStatus } from '../logs/health.js';
import type { LoadedLab } from '../load.js';
import { planLab } from './plan.js';

export interface ServiceStatus {
  service: string;
  partOf: string;
  container: string;
  state: string;
  /** Restarts by the engine (the restart policy), since the container was created. */
  restarts: number;
  health: string | undefined;
  since: string | undefined;
  ports: string[];
  image: string;
  config: 'current' | 'stale' | 'unknown' | 'not enabled';
}

export async function labStatus(engine: Engine, project: string, lab: LoadedLab | undefined): Promise<ServiceStatus[]> {
  const containers = await engine.listContainers(project);
  const wanted = lab ? await wantedHashes(engine, lab) : undefined;
  return containers
    .map((c) => ({
      service: c.service,
      partOf: c.partOf,
      container: c.name,
      state: c.state === 'exited' ? `exited (${c.exitCode})` : c.state,
      restarts: c.restartCount,
      health: c.health,
      since: c.state === 'running' ? c.startedAt : c.finishedAt,
      ports: c.ports,
      image: c.image,
      config: freshness(c, wanted),
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

export interface FollowerReport {
  /** The log follower's pid, while one runs. */
  pid: number | null;
  /** What the running follower reported (its status file). */
  status: FollowerStatus | null;
  /** One line per trouble it reported, for the text output. */
  notes: string[];
}

/** The lab directory as the lab's networks name it (lab wrote it there), else the localrc's. */
export async function labDirOf(
  engine: Engine,
  project: string,
  fromLocalrc: string | undefined,
): Promise<string | undefined> {
  const networks = await engine.listNetworks(project);
  return networks.map((n) => n.labels[LABEL.labDir]).find((d) => d !== undefined) ?? fromLocalrc;
}

/** Whether the lab's log follower runs, and the troubles it reported; cheap: two small files and /proc. */
export function followerReport(labDir: string, project: string, now = new Date()): FollowerReport {
  const pid = runningFollower(labDir, project);
  const status = pid === undefined ? undefined : readStatus(followerPaths(labDir).status);
  // A status file left by an earlier follower says nothing about this one.
  const current = status?.pid === pid ? status : undefined;
  return { pid: pid ?? null, status: current ?? null, notes: current ? describeStatus(current, now) : [] };
}

function freshness(container: ContainerInfo, wanted: Map<string, string> | undefined): ServiceStatus['config'] {
  if (!wanted) return 'unknown';
  const hash = wanted.get(container.service);
  if (hash === undefined) return 'not enabled';
  return hash === container.configHash ? 'current' : 'stale';
}

/**
 * The config hash each service would have if stacked now, with lab stack's choice of base
 * and images from what the engine has (nothing pulled or built): an image not yet built,
 * or a base not there, counts as changed.
 */
async function wantedHashes(engine: Engine, lab: LoadedLab): Promise<Map<string, string>> {
  const catalog = loadCatalog(catalogVariables(lab.config));
  const base = (await presentBaseImage(engine, wantedBase(lab.config))) ?? {
    ref: lab.config.baseImage,
    id: 'missing',
    how: 'present',
    release: lab.config.release,
  };
  const plan = planLab(
    lab.config,
    catalog,
    await serviceImages(engine, catalog.services, base),
    mountedContents(lab, catalog),
  );
  return new Map(plan.services.map((s) => [s.service.name, s.configHash]));
}
