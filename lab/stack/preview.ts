// What `lab stack` would do now, found without changing anything: the base image and the
// images the engine has (none is pulled, made or built), the plan, and reconcile's steps.
// `lab stack --dry-run` prints it.
import { catalogVariables, loadCatalog } from './catalog.js';
import type { Engine } from '../engine.js';
import { presentBaseImage, serviceImages, wantedBase, type BaseImage } from './images.js';
import type { LoadedLab } from '../load.js';
import { mountedContents } from './mounted.js';
import { planLab, type Plan } from './plan.js';
import { reconcile, reconcileNetworks, type NetworkStep, type ServiceStep } from './reconcile.js';

export interface Preview {
  /** The base image lab would build on; `present: false` when lab stack would pull or make it. */
  base: { ref: string; present: boolean };
  images: { tag: string; present: boolean }[];
  networks: NetworkStep[];
  services: ServiceStep[];
  plan: Plan;
}

export async function previewStack(lab: LoadedLab, engine: Engine, restart?: readonly string[]): Promise<Preview> {
  const catalog = loadCatalog(catalogVariables(lab.config));
  const found = await presentBaseImage(engine, wantedBase(lab.config));
  // A base lab would make: the images built on it cannot exist yet, whatever their tag.
  const base: BaseImage = found ?? {
    ref: lab.config.baseImage,
    id: 'missing',
    how: 'present',
    release: lab.config.release,
  };
  const enabled = catalog.services.filter((s) => lab.config.enabledServices.includes(s.partOf));
  const images = await serviceImages(engine, enabled, base);
  const plan = planLab(lab.config, catalog, images, mountedContents(lab, catalog));
  const [containers, networks] = await Promise.all([
    engine.listContainers(plan.project),
    engine.listNetworks(plan.project),
  ]);
  return {
    base: { ref: base.ref, present: found !== undefined },
    images: [...images.values()].map((i) => ({ tag: i.tag, present: i.id !== 'not built' })),
    networks: reconcileNetworks(plan.networks, networks),
    services: reconcile(plan, containers, restart ? { restart } : {}),
    plan,
  };
}
