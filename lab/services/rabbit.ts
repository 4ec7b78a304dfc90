// rabbit: RabbitMQ, the RPC between neutron-server and the agents.
import type { ServiceDefinition } from './definition.js';

const rabbit: ServiceDefinition<'rabbit'> = {
  name: 'rabbit',
  byDefault: true,
  variables: [
    { name: 'RABBIT_USERID', default: 'stackrabbit', description: 'RabbitMQ user.' },
    {
      name: 'RABBIT_PASSWORD',
      shownDefault: '(generated)',
      description: 'RabbitMQ password; generated once per lab when unset.',
      secret: true,
    },
  ],
  catalogVariables: (config) => ({ RABBIT_USERID: config.rabbitUser, RABBIT_PASSWORD: config.rabbitPassword }),
};

export default rabbit;
