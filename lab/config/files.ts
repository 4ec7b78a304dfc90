// The config files lab renders: their place in the containers, the DevStack variable that
// names them in `[[post-config|$VAR]]`, and the services started with them.
import { SERVICES } from '../services/index.js';
import type { ServiceName } from './services.js';

export interface ConfigFileSpec {
  id: 'neutron.conf' | 'neutron_vpnaas.conf' | 'ml2_conf.ini' | 'l3_agent.ini';
  containerPath: string;
  variable: string;
  /** The services whose containers read it (each service's `reads` in lab/services/). */
  services: ServiceName[];
  /** Why this file exists, for `lab config`. */
  role: string;
}

const FILES: readonly Omit<ConfigFileSpec, 'services'>[] = [
  {
    id: 'neutron.conf',
    containerPath: '/etc/neutron/neutron.conf',
    variable: 'NEUTRON_CONF',
    role: 'server and agent: service_plugins, RabbitMQ, database',
  },
  {
    id: 'neutron_vpnaas.conf',
    containerPath: '/etc/neutron/neutron_vpnaas.conf',
    variable: 'NEUTRON_VPNAAS_CONF',
    role: 'the VPN service driver: [service_providers] service_provider',
  },
  {
    id: 'ml2_conf.ini',
    containerPath: '/etc/neutron/plugins/ml2/ml2_conf.ini',
    variable: 'Q_PLUGIN_CONF_FILE',
    role: 'the ML2 core plugin, and the L2 agent in q-agt ([linux_bridge] or [ovs] bridge mappings)',
  },
  {
    id: 'l3_agent.ini',
    containerPath: '/etc/neutron/l3_agent.ini',
    variable: 'Q_L3_CONF_FILE',
    role: 'the VPN agent: [AGENT] extensions = vpnaas, [vpnagent] vpn_device_driver',
  },
];

export const CONFIG_FILES: readonly ConfigFileSpec[] = FILES.map((f) => ({
  ...f,
  services: SERVICES.filter((s) => (s.reads as readonly string[] | undefined)?.includes(f.id)).map((s) => s.name),
}));

export type ConfigFileId = ConfigFileSpec['id'];

export function configFile(id: ConfigFileId): ConfigFileSpec {
  const spec = CONFIG_FILES.find((f) => f.id === id);
  if (!spec) throw new Error(`no config file ${id}`);
  return spec;
}

/** The rendered file for a post-config target path, if lab renders it. */
export function fileForPath(expanded: string): ConfigFileSpec | undefined {
  const normal = `/${expanded}`.replace(/\/+/g, '/');
  return CONFIG_FILES.find((f) => f.containerPath === normal);
}
