// q-svc: neutron-server with the vpnaas service plugin (and q-db-sync, its migration, before it).
import { migrated, serverRuns, vpnApi } from '../check/control-plane.js';
import { DEFAULT_SERVICE_PROVIDER } from '../config/drivers.js';
import type { ServiceDefinition } from './definition.js';

const qSvc: ServiceDefinition<'q-svc'> = {
  name: 'q-svc',
  byDefault: true,
  variables: [
    { name: 'Q_PORT', default: '9696', description: 'Neutron API port, published on 127.0.0.1.', published: true },
    {
      name: 'Q_SERVICE_PLUGIN_CLASSES',
      default: 'router,vpnaas',
      description: '`[DEFAULT] service_plugins` of neutron.conf; without `vpnaas` every /v2.0/vpn call is a 404.',
    },
    {
      name: 'Q_ML2_PLUGIN_MECHANISM_DRIVERS',
      shownDefault: 'follows OPENSTACK_RELEASE',
      description:
        "ML2 mechanism drivers of neutron-server, binding ports to the L2 agent in q-vpn: `openvswitch` from 2025.1 on, `linuxbridge` on Zed (lab sets Zed's `[experimental] linuxbridge`).",
    },
    {
      name: 'NEUTRON_VPNAAS_SERVICE_PROVIDER',
      default: DEFAULT_SERVICE_PROVIDER,
      description:
        'One or several (space-separated) `<service_type>:<name>:<class.Path>[:default]`, written to `[service_providers] service_provider` of neutron_vpnaas.conf, in order.',
      words: true,
    },
    {
      name: 'FIXED_RANGE',
      default: '10.0.0.0/24',
      description:
        "Neutron's `private-subnet` behind router1 (DevStack's name), and the strongSwan peer's remote traffic selector.",
    },
    {
      name: 'FLOATING_RANGE',
      default: '172.24.4.0/24',
      description:
        "The lab's public network and Neutron's `public-subnet`: Docker hands out the lower half (the peers sit there), Neutron's allocation pool is the upper half.",
    },
    {
      name: 'PUBLIC_NETWORK_GATEWAY',
      shownDefault: 'first address of FLOATING_RANGE',
      description: "Gateway of `public-subnet`: the host's side of the public Docker network, as DevStack's br-ex.",
    },
    {
      name: 'NETWORK_GATEWAY',
      shownDefault: 'first address of FIXED_RANGE',
      description: "Gateway of `private-subnet`: router1's interface.",
    },
    {
      name: 'NEUTRON_CREATE_INITIAL_NETWORKS',
      default: 'True',
      description:
        '`lab stack` makes `public`, `private`, their subnets and `router1`, as DevStack; False leaves Neutron empty.',
    },
  ],
  reads: ['neutron.conf', 'neutron_vpnaas.conf', 'ml2_conf.ini'],
  catalogVariables: (config) => ({ Q_PORT: String(config.qPort), LAB_NEUTRON_SERVER: config.release.server }),
  checks: [serverRuns, vpnApi, migrated],
  summary: (config) => [
    `Neutron API:   http://127.0.0.1:${config.qPort}/v2.0/   (try: curl -s 127.0.0.1:${config.qPort}/v2.0/vpn/vpnservices)`,
    ...(config.networks.createInitial
      ? [
          `Networks:      public (${config.peers.floatingRange}), private (${config.peers.fixedRange}), router1   (lab openstack network list)`,
        ]
      : []),
  ],
};

export default qSvc;
