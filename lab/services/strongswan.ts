// strongswan: the remote site, a real strongSwan gateway on the public network.
import type { ServiceDefinition } from './definition.js';

const strongswan: ServiceDefinition<'strongswan'> = {
  name: 'strongswan',
  byDefault: true,
  variables: [
    {
      name: 'STRONGSWAN_SUBNET',
      default: '10.2.0.0/24',
      description: 'The subnet the strongSwan peer protects (the remote site).',
    },
    {
      name: 'STRONGSWAN_IP',
      shownDefault: 'tenth address of FLOATING_RANGE (172.24.4.10)',
      description: "The strongSwan peer's address on the public network (FLOATING_RANGE); its IKE id.",
    },
    {
      name: 'STRONGSWAN_PSK',
      shownDefault: '(generated)',
      description: "The peer's pre-shared key; generated once per lab when unset.",
      secret: true,
    },
    {
      name: 'STRONGSWAN_IKE_VERSION',
      default: '1',
      shownDefault: '1 (2 on 2026.1)',
      description:
        "IKE version of the peer (1 or 2), and of the demo's IKE policy. 1 matches Neutron's default IKE policy (ike_version v1); 2026.1's strongSwan (Debian forky) has no IKEv1.",
    },
    {
      name: 'STRONGSWAN_IKE_PROPOSALS',
      default: 'aes128-sha1-modp1536',
      description: "IKE proposals; the default matches Neutron's default IKE policy (aes-128, sha1, group5).",
    },
    {
      name: 'STRONGSWAN_ESP_PROPOSALS',
      default: 'aes128-sha1-modp1536',
      description: "ESP proposals; the default matches Neutron's default IPsec policy (aes-128, sha1, pfs group5).",
    },
  ],
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
