// The running lab's containers that the VPN verbs work through, found by label.
import type { ContainerInfo, Engine } from '../engine.js';
import { OperationError } from '../errors.js';

export async function runningServices(
  engine: Engine,
  project: string,
  needed: string[],
): Promise<Map<string, ContainerInfo>> {
  const containers = await engine.listContainers(project);
  const found = new Map<string, ContainerInfo>();
  for (const service of needed) {
    const container = containers.find((c) => c.service === service);
    if (!container) {
      throw new OperationError(
        `lab "${project}" has no ${service} container: enable it (enable_service ${service} in the localrc) and run lab stack`,
      );
    }
    if (container.state !== 'running')
      throw new OperationError(`${service} of lab "${project}" is ${container.state}: lab restart ${container.partOf}`);
    found.set(service, container);
  }
  return found;
}
