// The services lab knows, in the order ENABLED_SERVICES lists them by default. A new
// service is its file here, its line below, and its blocks in compose/lab.yaml.
import csr from './csr.js';
import mysql from './mysql.js';
import qAgt from './q-agt.js';
import qSvc from './q-svc.js';
import qVpn from './q-vpn.js';
import rabbit from './rabbit.js';
import strongswan from './strongswan.js';

export const SERVICES = [mysql, rabbit, qSvc, qAgt, qVpn, strongswan, csr] as const;

export type { ServiceDefinition } from './definition.js';
