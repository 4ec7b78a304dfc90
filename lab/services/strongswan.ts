// strongswan: the remote site, a real strongSwan gateway on the public network.
import type { ServiceDefinition } from './definition.js';

const strongswan: ServiceDefinition<'strongswan'> = {
  name: 'strongswan',
  byDefault: true,
  catalogVariables: (config) => ({
    FIXED_RANGE: config.peers.fixedRange,
    STRONGSWAN_SUBNET: config.peers.strongswanSubnet,
    STRONGSWAN_IP: config.peers.strongswanIp,
    STRONGSWAN_PSK: config.peers.strongswanPsk,
    STRONGSWAN_IKE_VERSION: config.peers.ikeVersion,
    STRONGSWAN_IKE_PROPOSALS: config.peers.ikeProposals,
    STRONGSWAN_ESP_PROPOSALS: config.peers.espProposals,
  }),
};

export default strongswan;
