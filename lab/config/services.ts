// The services lab runs, their DevStack names and aliases (from the registry, lab/services/),
// and the DevStack services a localrc may name that lab does not run (accepted with a
// warning, so an existing localrc works).
import { SERVICES } from '../services/index.js';

export type ServiceName = (typeof SERVICES)[number]['name'];

/** Every service lab knows, on or off by default. */
export const LAB_SERVICES: readonly ServiceName[] = SERVICES.map((s) => s.name);

/** Other names of lab's services: q-l3 is q-vpn (the L3 agent with the vpnaas extension). */
export const SERVICE_ALIASES: Readonly<Record<string, ServiceName>> = Object.fromEntries(
  SERVICES.flatMap((s) => (s.aliases ?? []).map((alias) => [alias, s.name])),
);

/** ENABLED_SERVICES when the localrc does not set it: the services on by default, a different list from those lab knows. */
export const DEFAULT_SERVICES = SERVICES.filter((s) => s.byDefault)
  .map((s) => s.name)
  .join(',');

/** "q-l3 is an alias of q-vpn", for messages. */
export function aliasWords(): string {
  return Object.entries(SERVICE_ALIASES)
    .map(([alias, name]) => `${alias} is an alias of ${name}`)
    .join(', ');
}

/** For the localrc's bash helpers: "q-vpn:q-l3 ..." (a service and its aliases, colon-separated). */
export function aliasGroups(): string {
  return SERVICES.filter((s) => (s.aliases ?? []).length > 0)
    .map((s) => [s.name, ...(s.aliases ?? [])].join(':'))
    .join(' ');
}

const DEVSTACK_ONLY = new Set([
  'key',
  'keystone',
  'placement-api',
  'placement-client',
  'horizon',
  'tempest',
  'dstat',
  'etcd3',
  'tls-proxy',
  'memory_tracker',
  'file_tracker',
  'openstack-cli-server',
  'postgresql',
  'zookeeper',
  'n-api',
  'n-api-meta',
  'n-cpu',
  'n-cond',
  'n-sch',
  'n-novnc',
  'n-spice',
  'n-sproxy',
  'n-xvnc',
  'n-cauth',
  'n-crt',
  'n-net',
  'n-obj',
  'n-super-cond',
  'g-api',
  'g-reg',
  'c-api',
  'c-sch',
  'c-vol',
  'c-bak',
  's-proxy',
  's-object',
  's-container',
  's-account',
  'h-api',
  'h-api-cfn',
  'h-eng',
  'q-dhcp',
  'q-meta',
  'q-metering',
  'q-lbaas',
  'q-fwaas',
  'q-qos',
  'q-trunk',
  'q-dns',
  'q-port-forwarding',
  'q-ovn-metadata-agent',
  'ovn-controller',
  'ovn-northd',
  'ovs-vswitchd',
  'ovsdb-server',
  'neutron',
  'neutron-api',
  'neutron-agent',
  'neutron-dhcp',
  'neutron-l3',
  'neutron-metadata-agent',
  'neutron-vpnaas',
  'q-svc-vpnaas',
]);

export type ServiceVerdict =
  { kind: 'lab'; name: ServiceName } | { kind: 'devstack-only' } | { kind: 'unknown'; suggestion: string | undefined };

export function classifyService(name: string): ServiceVerdict {
  if ((LAB_SERVICES as readonly string[]).includes(name)) return { kind: 'lab', name: name as ServiceName };
  const alias = SERVICE_ALIASES[name];
  if (alias) return { kind: 'lab', name: alias };
  if (DEVSTACK_ONLY.has(name)) return { kind: 'devstack-only' };
  return { kind: 'unknown', suggestion: closest(name, [...LAB_SERVICES, ...Object.keys(SERVICE_ALIASES)]) };
}

/** The closest known name, if it is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
