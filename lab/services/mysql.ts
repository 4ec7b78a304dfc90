// mysql: MariaDB, Neutron's database.
import type { ServiceDefinition } from './definition.js';

const mysql: ServiceDefinition<'mysql'> = {
  name: 'mysql',
  byDefault: true,
  catalogVariables: (config) => ({ DATABASE_USER: config.databaseUser, DATABASE_PASSWORD: config.databasePassword }),
};

export default mysql;
