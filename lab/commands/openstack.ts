// `lab openstack ARGS...`: the real OpenStack client against the lab's Neutron, as a user
// types it (`lab openstack vpn ipsec site connection list`). Its output and exit code.
import { Engine } from '../engine.js';
import { UsageError } from '../errors.js';
import { runningServices } from '../vpn/running.js';
import { LAB_OPTION, resolveProject } from './project.js';
import type { Verb } from './verb.js';

export const openstackVerb: Verb = {
  name: 'openstack',
  summary: "the OpenStack client against the lab's Neutron (python3-openstackclient, VPN commands included)",
  usage: 'lab openstack [--lab NAME] ARGS...',
  details: [
    "Runs `openstack ARGS` inside q-svc, without Keystone (OS_AUTH_TYPE=none, OS_ENDPOINT the lab's",
    "Neutron). Everything after the first argument is the client's, options included:",
    '  lab openstack vpn service list',
    '  lab openstack vpn ipsec site connection show lab-demo-conn -f json',
  ],
  positionals: true,
  passThrough: true,
  options: { ...LAB_OPTION },
  async run({ values, positionals, localrc }) {
    if (positionals.length === 0)
      throw new UsageError('give the client its command, e.g. lab openstack vpn service list');
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    const qSvc = (await runningServices(engine, project.name, ['q-svc'])).get('q-svc');
    return engine.execPassThrough(qSvc?.id ?? '', ['openstack', ...positionals], process.stdout, process.stderr);
  },
};
