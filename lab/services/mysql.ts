// mysql: MariaDB, Neutron's database.
import type { ServiceDefinition } from './definition.js';

const mysql: ServiceDefinition<'mysql'> = {
  name: 'mysql',
  byDefault: true,
  variables: [
    { name: 'DATABASE_USER', default: 'root', description: 'MariaDB user Neutron connects as.' },
    {
      name: 'DATABASE_PASSWORD',
      shownDefault: '(generated)',
      description: 'MariaDB password; generated once per lab when unset.',
      secret: true,
    },
  ],
  catalogVariables: (config) => ({ DATABASE_USER: config.databaseUser, DATABASE_PASSWORD: config.databasePassword }),
};

export default mysql;
