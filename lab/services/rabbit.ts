// rabbit: RabbitMQ, the RPC between neutron-server and the agents.
import type { ServiceDefinition } from './definition.js';

const rabbit: ServiceDefinition<'rabbit'> = {
  name: 'rabbit',
  byDefault: true,
  catalogVariables: (config) => ({ RABBIT_USERID: config.rabbitUser, RABBIT_PASSWORD: config.rabbitPassword }),
};

export default rabbit;
