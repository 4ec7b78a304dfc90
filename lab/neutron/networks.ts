// DevStack's initial networks (lib/neutron's create_neutron_initial_network): an external
// flat network `public` on FLOATING_RANGE, `private` on FIXED_RANGE, and `router1` joining
// them. Made once, found by name afterwards, so a re-run of `lab stack` changes nothing.
import type { LabConfig } from '../config/resolve.js';
import type { Engine } from '../engine.js';
import { OperationError } from '../errors.js';
import { poll } from '../poll.js';
import type { NeutronClient, Resource } from './client.js';

export const PUBLIC_NETWORK = 'public';
export const PUBLIC_SUBNET = 'public-subnet';
export const PRIVATE_NETWORK = 'private';
export const PRIVATE_SUBNET = 'private-subnet';
export const ROUTER = 'router1';

export interface InitialNetworks {
  publicNetwork: Record<string, unknown>;
  publicSubnet: Record<string, unknown>;
  privateNetwork: Record<string, unknown>;
  privateSubnet: Record<string, unknown>;
  router: Record<string, unknown>;
}

/** The request bodies, from the config alone (pure, unit-tested). */
export function initialNetworks(config: LabConfig): InitialNetworks {
  const { networks, peers } = config;
  return {
    // physnet `public` is br-public in q-vpn (ml2_conf.ini [linux_bridge] bridge_mappings).
    publicNetwork: {
      name: PUBLIC_NETWORK,
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': 'public',
    },
    publicSubnet: {
      name: PUBLIC_SUBNET,
      ip_version: 4,
      cidr: peers.floatingRange,
      gateway_ip: networks.publicGateway,
      // Docker holds the lower half of the range (the peers, the host's gateway).
      allocation_pools: [networks.floatingPool],
      enable_dhcp: false,
    },
    privateNetwork: { name: PRIVATE_NETWORK },
    // No DHCP agent in the lab: hosts behind the router get fixed addresses.
    privateSubnet: {
      name: PRIVATE_SUBNET,
      ip_version: 4,
      cidr: peers.fixedRange,
      gateway_ip: networks.privateGateway,
      enable_dhcp: false,
    },
    router: { name: ROUTER },
  };
}

export interface EnsuredNetworks {
  created: string[];
  router: Resource;
  publicNetwork: Resource;
  privateSubnet: Resource;
}

export async function ensureInitialNetworks(api: NeutronClient, config: LabConfig): Promise<EnsuredNetworks> {
  const wanted = initialNetworks(config);
  const created: string[] = [];
  const ensure = async (
    collection: string,
    fields: Record<string, unknown>,
    query: Record<string, string> = {},
  ): Promise<Resource> => {
    const name = String(fields.name);
    const [existing] = await api.list(collection, { name, ...query });
    if (existing) return existing;
    created.push(name);
    return api.create(collection, fields);
  };
  const publicNetwork = await ensure('networks', wanted.publicNetwork);
  await ensure('subnets', { ...wanted.publicSubnet, network_id: publicNetwork.id }, { network_id: publicNetwork.id });
  const privateNetwork = await ensure('networks', wanted.privateNetwork);
  const privateSubnet = await ensure(
    'subnets',
    { ...wanted.privateSubnet, network_id: privateNetwork.id },
    { network_id: privateNetwork.id },
  );
  let router = await ensure('routers', wanted.router);
  const gateway = router.external_gateway_info as { network_id?: string } | null | undefined;
  if (!gateway?.network_id) {
    router = await api.update('routers', router.id, { external_gateway_info: { network_id: publicNetwork.id } });
    created.push(`${ROUTER} gateway on ${PUBLIC_NETWORK}`);
  }
  const interfaces = await api.list('ports', { device_id: router.id, network_id: privateNetwork.id });
  if (interfaces.length === 0) {
    await api.action('routers', router.id, 'add_router_interface', { subnet_id: privateSubnet.id });
    created.push(`${ROUTER} interface on ${PRIVATE_SUBNET}`);
  }
  return { created, router, publicNetwork, privateSubnet };
}

/**
 * Until the L3 agent hosts the router and the L2 agent has bound its ports: then its
 * namespace is in q-vpn and its gateway answers on the public network.
 */
export async function waitRouterWired(
  api: NeutronClient,
  routerId: string,
  timeoutMs: number,
  plumbed: (routerId: string, portIds: string[]) => Promise<boolean>,
  signal?: AbortSignal,
): Promise<void> {
  await poll({
    what: `${ROUTER} wired`,
    timeoutMs,
    intervalMs: 500,
    signal,
    check: async (_, note) => {
      const ports = await api.list('ports', { device_id: routerId });
      const hosted = ((await api.get(`routers/${routerId}/l3-agents`)).agents as unknown[] | undefined)?.length ?? 0;
      note(
        `${hosted > 0 ? 'hosted' : 'no L3 agent hosts it'}; ports: ${ports.map((p) => `${String(p.device_owner)} ${p.status}`).join(', ') || 'none'}`,
      );
      // Neutron's view can lag behind a restarted agent: what is plumbed in q-vpn decides too.
      return (
        (ports.length >= 2 &&
          ports.every((p) => p.status === 'ACTIVE') &&
          hosted > 0 &&
          (await plumbed(
            routerId,
            ports.map((p) => p.id),
          ))) ||
        undefined
      );
    },
    onTimeout: (timeout) =>
      new OperationError(
        `${ROUTER} is not wired after ${timeoutMs / 1000} s (${timeout.observation}): lab check says why, lab logs q-vpn and lab logs q-agt show the agents`,
      ),
  });
}

/** The router's namespace exists in q-vpn, and the L2 agent in q-agt has plugged its ports (lab-plugged). */
export function plumbedInQVpn(
  engine: Engine,
  project: string,
): (routerId: string, portIds: string[]) => Promise<boolean> {
  return async (routerId, portIds) => {
    const containers = await engine.listContainers(project);
    const running = (service: string) => containers.find((c) => c.service === service && c.state === 'running');
    const vpn = running('q-vpn');
    const agt = running('q-agt');
    if (!vpn || !agt) return false;
    const namespace = await engine.exec(vpn.id, ['sh', '-c', 'ip netns list | grep -q "qrouter-$1"', 'sh', routerId]);
    return namespace.exitCode === 0 && (await engine.exec(agt.id, ['lab-plugged', ...portIds])).exitCode === 0;
  };
}
