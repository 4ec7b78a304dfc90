// `lab exec SVC CMD...`: run a command in a service's container, its output and exit code
// passed through (e.g. `lab exec strongswan swanctl --list-sas`).
import { SERVICE_ALIASES } from '../config/services.js';
import { Engine } from '../engine.js';
import { OperationError, UsageError } from '../errors.js';
import { LAB_OPTION, resolveProject } from './project.js';
import type { Verb } from './verb.js';

export const execVerb: Verb = {
  name: 'exec',
  summary: "run a command in a service's container; its exit code is lab's",
  usage: 'lab exec [--lab NAME] SVC CMD [ARG...]',
  details: ['Everything after SVC is the command, options included. The container is found by label.'],
  positionals: true,
  passThrough: true,
  options: { ...LAB_OPTION },
  async run({ values, positionals, localrc }) {
    const [name, ...command] = positionals;
    if (!name || command.length === 0)
      throw new UsageError('name a service and a command, e.g. lab exec strongswan swanctl --list-sas');
    const service = SERVICE_ALIASES[name] ?? name;
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    const containers = await engine.listContainers(project.name);
    const container = containers.find((c) => c.service === service);
    if (!container) {
      throw new UsageError(
        `lab "${project.name}" has no container for "${name}"; it has ${
          containers
            .map((c) => c.service)
            .sort()
            .join(', ') || 'none (lab stack starts them)'
        }`,
      );
    }
    if (container.state !== 'running')
      throw new OperationError(`${service} is ${container.state}, not running: lab restart ${container.partOf}`);
    return engine.execPassThrough(container.id, command, process.stdout, process.stderr);
  },
};
