// The two VPN driver settings users get wrong, checked before anything starts:
// `service_provider` (neutron-server) and `vpn_device_driver` (the VPN agent).
import type { IniDocument } from './ini.js';
import { DEFAULT_SERVICE_PROVIDER, STRONGSWAN_DEVICE_DRIVER } from './drivers.js';

export interface ServiceProvider {
  serviceType: string;
  name: string;
  driver: string;
  isDefault: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isDottedClassPath(value: string): boolean {
  const parts = value.split('.');
  return parts.length >= 2 && parts.every((part) => IDENTIFIER.test(part));
}

const PROVIDER_FORM = `write <service_type>:<name>:<dotted.class.Path>[:default], e.g. ${DEFAULT_SERVICE_PROVIDER}`;

/** A provider, or the reason the value is not one (naming what to write instead). */
export function parseServiceProvider(raw: string): ServiceProvider | string {
  const fields = raw.split(':');
  if (fields.length < 3 || fields.length > 4) {
    return `"${raw}" is not a service provider (${fields.length} field${fields.length === 1 ? '' : 's'} separated by ":", 3 or 4 expected); ${PROVIDER_FORM}`;
  }
  const [serviceType = '', name = '', driver = '', flag] = fields;
  if (!IDENTIFIER.test(serviceType))
    return `"${raw}": the service type "${serviceType}" is not a name (VPN for VPNaaS); ${PROVIDER_FORM}`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return `"${raw}": the provider name "${name}" must be letters, digits, "_", "-" or "."; ${PROVIDER_FORM}`;
  if (!isDottedClassPath(driver))
    return `"${raw}": the driver "${driver}" is not a dotted Python class path; ${PROVIDER_FORM}`;
  if (flag !== undefined && flag !== 'default')
    return `"${raw}": the fourth field may only be "default", not "${flag}"; ${PROVIDER_FORM}`;
  return { serviceType, name, driver, isDefault: flag === 'default' };
}

/** Why a device driver value would not load, or undefined when it is a class path. */
export function deviceDriverProblem(value: string): string | undefined {
  if (isDottedClassPath(value)) return undefined;
  const hint = value.includes(':') ? ` (a "." before the class, not a ":": ${value.replace(/:([^:.]*)$/, '.$1')})` : '';
  return `"${value}" is not a dotted Python class path${hint}; write the class the agent should import, e.g. ${STRONGSWAN_DEVICE_DRIVER}`;
}

/** Neutron refuses two default providers for one service type; the message lists both. */
export function duplicateDefaults<T>(
  providers: { provider: ServiceProvider; where: T }[],
): { serviceType: string; wheres: T[]; providers: ServiceProvider[] }[] {
  const byType = new Map<string, { provider: ServiceProvider; where: T }[]>();
  for (const entry of providers) {
    if (!entry.provider.isDefault) continue;
    byType.set(entry.provider.serviceType, [...(byType.get(entry.provider.serviceType) ?? []), entry]);
  }
  return [...byType.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([serviceType, list]) => ({
      serviceType,
      wheres: list.map((e) => e.where),
      providers: list.map((e) => e.provider),
    }));
}

/** The VPN plugin is named by its alias or its class path in service_plugins. */
export function hasVpnPlugin(servicePlugins: string[]): boolean {
  return servicePlugins.some((p) => p === 'vpnaas' || p === 'neutron_vpnaas.services.vpn.plugin.VPNDriverPlugin');
}

/**
 * The [AGENT] extensions of an l3_agent.ini as the agent reads them (oslo.config: the
 * option's last line, [AGENT] and [agent] one group): its value, its names, and whether
 * vpnaas is one, without which the L3 agent loads no VPN device driver.
 */
export function agentExtensions(l3Agent: IniDocument): { value: string; names: string[]; vpnaas: boolean } {
  const value = l3Agent.lookup('AGENT', 'extensions').at(-1)?.value ?? '';
  const names = value.split(',').map((e) => e.trim());
  return { value, names, vpnaas: names.includes('vpnaas') };
}
