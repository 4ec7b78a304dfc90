// `lab unstack` and `lab clean`: everything is found by the lab's labels, so they work on
// a half-created lab and after the localrc changed or vanished.
import fs from 'node:fs';
import type { Engine } from './engine.js';
import { LABEL } from './labels.js';

const STOP_SECONDS = 10;

export interface Teardown {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: string[];
  labDir: string | undefined;
  imagesInUse: string[];
}

/** Stops and removes the lab's containers and networks; data volumes stay (as DevStack keeps its database). */
export async function unstackLab(engine: Engine, project: string): Promise<Teardown> {
  const containers = await engine.listContainers(project);
  await Promise.all(containers.map(async (c) => {
    await engine.stopContainer(c.id, STOP_SECONDS);
    await engine.removeContainer(c.id);
  }));
  const networks = await engine.listNetworks(project);
  for (const network of networks) await engine.removeNetwork(network.name);
  const labDir = networks.map((n) => n.labels[LABEL.labDir]).find((d) => d !== undefined);
  return { containers: containers.map((c) => c.name), networks: networks.map((n) => n.name), volumes: [], images: [], labDir, imagesInUse: [] };
}

/** Unstack, then the volumes, the lab directory and, with `images`, the images lab built. */
export async function cleanLab(engine: Engine, project: string, fallbackLabDir: string, images: boolean): Promise<Teardown> {
  const result = await unstackLab(engine, project);
  const volumes = await engine.listVolumes(project);
  for (const volume of volumes) await engine.removeVolume(volume.name);
  result.volumes = volumes.map((v) => v.name);
  const labDir = result.labDir ?? fallbackLabDir;
  if (fs.existsSync(labDir)) {
    fs.rmSync(labDir, { recursive: true, force: true });
    result.labDir = labDir;
  } else result.labDir = undefined;
  if (images) {
    for (const image of await engine.listImages(LABEL.image)) {
      for (const tag of image.tags) {
        try {
          await engine.removeImage(tag);
          result.images.push(tag);
        } catch {
          // Another lab's container still uses it: it stays, and we say so.
          result.imagesInUse.push(tag);
        }
      }
    }
  }
  return result;
}
