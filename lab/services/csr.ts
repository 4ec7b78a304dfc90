// csr: lab's Cisco CSR 1000v REST simulator.
import type { ServiceDefinition } from './definition.js';

const csr: ServiceDefinition<'csr'> = {
  name: 'csr',
  byDefault: true,
  catalogVariables: (config) => ({
    CSR_PORT: String(config.peers.csrPort),
    CSR_USERNAME: config.peers.csrUsername,
    CSR_PASSWORD: config.peers.csrPassword,
    CSR_TOKEN_LIFETIME: String(config.peers.csrTokenLifetime),
  }),
};

export default csr;
