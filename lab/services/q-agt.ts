// q-agt: the L2 agent, DevStack's name for it whatever the mechanism: the Linux bridge agent
// on Zed, Open vSwitch (ovsdb-server, ovs-vswitchd and the Neutron Open vSwitch agent) from
// 2025.1 on. Its container holds the network node's namespace: the public network's port,
// the bridges; q-vpn's L3 agent works in that namespace too (network_mode service:q-agt).
import { l2AgentAlive } from '../check/control-plane.js';
import { l2Agent } from '../config/release.js';
import type { ServiceDefinition } from './definition.js';

const qAgt: ServiceDefinition<'q-agt'> = {
  name: 'q-agt',
  byDefault: true,
  reads: ['neutron.conf', 'ml2_conf.ini'],
  catalogVariables: (config) => ({ LAB_L2: config.release.l2, LAB_L2_AGENT: l2Agent(config.release) }),
  checks: [l2AgentAlive],
};

export default qAgt;
