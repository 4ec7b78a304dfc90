// q-vpn: the VPN agent, which is the L3 agent with the vpnaas extension, in the network
// namespace of q-agt (the L2 agent). 2014 DevStack called it q-vpn; later DevStack runs it as q-l3.
import { agentAlive, deviceDriverLoaded, nothingPending } from '../check/control-plane.js';
import { gatewaysReachable, ikeSas, routersHosted } from '../check/data-path.js';
import type { ServiceDefinition } from './definition.js';

const qVpn: ServiceDefinition<'q-vpn'> = {
  name: 'q-vpn',
  aliases: ['q-l3'],
  byDefault: true,
  requires: [
    { service: 'q-agt', why: "its L3 agent works in q-agt's network namespace, where the L2 agent wires the routers" },
  ],
  variables: [
    {
      name: 'IPSEC_PACKAGE',
      default: 'strongswan',
      description: '`strongswan` or `libreswan`; picks the default device driver.',
    },
    {
      name: 'NEUTRON_VPNAAS_DEVICE_DRIVER',
      shownDefault: 'follows IPSEC_PACKAGE',
      description:
        'One or several device driver class paths, written to `[vpnagent] vpn_device_driver` of l3_agent.ini.',
      words: true,
    },
  ],
  reads: ['neutron.conf', 'l3_agent.ini'],
  // The agent logs one "Loaded VPNaaS device driver" line per driver; the first is waited for.
  catalogVariables: (config) => ({ NEUTRON_VPNAAS_DEVICE_DRIVER: config.deviceDrivers[0]?.value ?? '' }),
  checks: [agentAlive, deviceDriverLoaded, nothingPending, routersHosted, gatewaysReachable, ikeSas],
  summary: (config) =>
    config.enabledServices.includes('strongswan')
      ? ['VPN:           npx lab vpn demo   (a connection to the strongSwan peer, ACTIVE, and a ping across it)']
      : [],
};

export default qVpn;
