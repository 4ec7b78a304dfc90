// `lab unstack` and `lab clean`: everything is found by the lab's labels, so they work on
// a half-created lab and after the localrc changed or vanished.
import { cleanLabDir, type LabDirCleaning } from '../config/labdir.js';
import type { Engine } from '../engine.js';
import { LABEL } from '../labels.js';
import { stopFollower } from '../logs/control.js';

const STOP_SECONDS = 10;

export interface Teardown {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: string[];
  labDir: string | undefined;
  /** What `lab clean` did in the lab directory. */
  labDirCleaning?: LabDirCleaning;
  imagesInUse: string[];
  /** Whether a log follower was running and was stopped. */
  follower: boolean;
}

/**
 * Stops and removes the lab's containers and networks and stops its log follower; data
 * volumes stay (as DevStack keeps its database). The containers are stopped before the
 * follower, so their last lines reach the screen logs.
 */
export async function unstackLab(
  engine: Engine,
  project: string,
  fallbackLabDir: string | undefined,
): Promise<Teardown> {
  const networks = await engine.listNetworks(project);
  const labDir = networks.map((n) => n.labels[LABEL.labDir]).find((d) => d !== undefined) ?? fallbackLabDir;
  const containers = await engine.listContainers(project);
  await Promise.all(containers.map((c) => engine.stopContainer(c.id, STOP_SECONDS)));
  const follower = labDir ? await stopFollower(labDir, project) : false;
  await Promise.all(containers.map((c) => engine.removeContainer(c.id)));
  for (const network of networks) await engine.removeNetwork(network.name);
  return {
    containers: containers.map((c) => c.name),
    networks: networks.map((n) => n.name),
    volumes: [],
    images: [],
    labDir,
    imagesInUse: [],
    follower,
  };
}

/**
 * Unstack, then the volumes, what lab wrote in the lab directory and, with `images`, the
 * images lab built. The lab directory may come from a network's label: it is only touched
 * when its marker says it is this lab's (labdir.ts), whatever the label says.
 */
export async function cleanLab(
  engine: Engine,
  project: string,
  fallbackLabDir: string,
  images: boolean,
): Promise<Teardown> {
  const result = await unstackLab(engine, project, fallbackLabDir || undefined);
  const volumes = await engine.listVolumes(project);
  for (const volume of volumes) await engine.removeVolume(volume.name);
  result.volumes = volumes.map((v) => v.name);
  const labDir = result.labDir ?? fallbackLabDir;
  if (labDir) {
    result.labDir = labDir;
    result.labDirCleaning = cleanLabDir(labDir, project);
  }
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
