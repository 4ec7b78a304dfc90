// q-svc: neutron-server with the vpnaas service plugin (and q-db-sync, its migration, before it).
import type { ServiceDefinition } from './definition.js';

const qSvc: ServiceDefinition<'q-svc'> = {
  name: 'q-svc',
  byDefault: true,
  reads: ['neutron.conf', 'neutron_vpnaas.conf', 'ml2_conf.ini'],
  catalogVariables: (config) => ({ Q_PORT: String(config.qPort) }),
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
