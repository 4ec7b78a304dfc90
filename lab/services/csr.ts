// csr: lab's Cisco CSR 1000v REST simulator.
import type { ServiceDefinition } from './definition.js';

const csr: ServiceDefinition<'csr'> = {
  name: 'csr',
  byDefault: true,
  variables: [
    {
      name: 'CSR_PORT',
      default: '55443',
      description: "The CSR simulator's HTTPS port, published on 127.0.0.1.",
      published: true,
    },
    { name: 'CSR_USERNAME', default: 'stack', description: "The CSR simulator's user." },
    {
      name: 'CSR_PASSWORD',
      shownDefault: '(generated)',
      description: "The CSR simulator's password; generated once per lab when unset.",
      secret: true,
    },
    {
      name: 'CSR_TOKEN_LIFETIME',
      default: '900',
      description:
        "Seconds an idle CSR token lives (the real device: 15 minutes); shorter exercises a driver's re-login.",
    },
  ],
  catalogVariables: (config) => ({
    CSR_PORT: String(config.peers.csrPort),
    CSR_USERNAME: config.peers.csrUsername,
    CSR_PASSWORD: config.peers.csrPassword,
    CSR_TOKEN_LIFETIME: String(config.peers.csrTokenLifetime),
  }),
};

export default csr;
