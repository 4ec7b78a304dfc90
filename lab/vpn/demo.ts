// `lab vpn demo`: the site-to-site connection a driver developer would make by hand, made
// with the real OpenStack client: IKE and IPsec policies, a vpnservice on router1 and an
// ipsec-site-connection to the strongSwan peer. It waits for ACTIVE, printing each status
// change, then proves it: the peer's SAs and a ping across the tunnel (reference driver),
// or the simulator's configuration and session (CSR driver). `--delete` removes it all.
import { nthAddress } from '../config/ipv4.js';
import { parseServiceProvider, type ServiceProvider } from '../config/vpn.js';
import type { ContainerInfo, Engine } from '../engine.js';
import { OperationError, UsageError } from '../errors.js';
import { request } from '../http.js';
import { NeutronClient, type Resource } from '../neutron/client.js';
import { PRIVATE_SUBNET, ROUTER } from '../neutron/networks.js';
import { poll, sleep } from '../poll.js';
import { OpenStackClient, secretArgument } from './client.js';
import { runningServices } from './running.js';

export type DemoDriver = 'reference' | 'csr';
export const DEMO_DRIVERS: readonly DemoDriver[] = ['reference', 'csr'];

export const DEMO_NAMES = {
  ikePolicy: 'lab-demo-ike',
  ipsecPolicy: 'lab-demo-ipsec',
  service: 'lab-demo-vpn',
  connection: 'lab-demo-conn',
  host: 'lab-demo-host',
} as const;

/** What `--driver` needs as the default VPN provider of neutron-server. */
const PROVIDER_FOR: Record<DemoDriver, { matches: (driver: string) => boolean; how: string }> = {
  reference: {
    matches: (d) => d.endsWith('service_drivers.ipsec.IPsecVPNDriver'),
    how: 'the default localrc (NEUTRON_VPNAAS_SERVICE_PROVIDER=VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default)',
  },
  csr: {
    matches: (d) => d.startsWith('lab_csr_driver.'),
    how: 'the CSR example: npx lab --localrc examples/csr-driver/local.conf stack',
  },
};

export interface DemoResult {
  connectionId: string;
  /** From the connection's creation to connection and service ACTIVE. */
  activeAfterMs: number;
  statuses: string[];
  ping?: { from: string; to: string; sent: number; received: number };
  peerSas?: { ikeEstablished: boolean; childInstalled: boolean };
  csr?: CsrSummary;
}

export interface CsrSummary {
  keyrings: number;
  ikePolicies: number;
  ipsecPolicies: number;
  tunnels: number;
  routes: number;
  sessions: { 'vpn-interface-name': string; status: string }[];
}

interface Peer {
  address: string;
  psk: string;
  subnet: string;
  /** The address the peer holds inside its subnet (lab-strongswan-start puts it on lo). */
  inside: string;
  /** The IKE version it speaks (STRONGSWAN_IKE_VERSION): the demo's IKE policy asks for the same. */
  ikeVersion: string;
}

interface DemoLab {
  engine: Engine;
  project: string;
  client: OpenStackClient;
  api: NeutronClient;
  containers: Map<string, ContainerInfo>;
  peer: Peer;
  say: (line: string) => void;
}

/**
 * How long the demo waits for ACTIVE. The agent reports a new connection's status at its next
 * status check after the tunnel is up (ipsec_status_check_interval, 60 s); on a loaded 2-core
 * machine its first sync alone took 50 s, so 120 s ran out with the tunnel up (measured).
 */
const DEMO_ACTIVE_MS = 180_000;

export async function runDemo(
  engine: Engine,
  project: string,
  driver: DemoDriver,
  say: (line: string) => void,
  timeoutMs = DEMO_ACTIVE_MS,
): Promise<DemoResult> {
  const lab = await openLab(
    engine,
    project,
    driver === 'csr' ? ['q-svc', 'q-vpn', 'strongswan', 'csr'] : ['q-svc', 'q-agt', 'q-vpn', 'strongswan'],
    say,
  );
  await requireProvider(lab, driver);
  if (!(await lab.api.findByName('routers', ROUTER)))
    throw new OperationError(
      `no router ${ROUTER} in Neutron: lab stack makes it (unless NEUTRON_CREATE_INITIAL_NETWORKS=False)`,
    );
  say(`Creating the VPN with the OpenStack client (as \`lab openstack ...\`), driver: ${driver}`);
  const host = driver === 'reference' ? await ensureHost(lab) : undefined;
  // The CSR simulator takes Neutron's default (v1), as the Cisco driver requires.
  const { service, connection, createdAt } = await ensureVpn(lab, driver === 'reference' ? lab.peer.ikeVersion : '1');

  say(`Waiting for ACTIVE (at most ${timeoutMs / 1000} s):`);
  const statuses = await waitActive(lab, service.id, connection.id, createdAt, timeoutMs);
  const activeAfterMs = Date.now() - createdAt;
  say(
    `Connection ${DEMO_NAMES.connection} and service ${DEMO_NAMES.service} ACTIVE, ${(activeAfterMs / 1000).toFixed(1)} s after the connection was created`,
  );
  const result: DemoResult = {
    connectionId: connection.id,
    activeAfterMs,
    statuses,
    ...(await acrossTheTunnel(lab, host)),
  };
  sayMade(lab, host);
  return result;
}

/** The IKE and IPsec policies, the VPN service on router1 and the connection to the peer: found by name, else made. */
async function ensureVpn(
  lab: DemoLab,
  ikeVersion: string,
): Promise<{ service: Resource; connection: Resource; createdAt: number }> {
  await ensureResource(lab, 'vpn/ikepolicies', DEMO_NAMES.ikePolicy, [
    'vpn',
    'ike',
    'policy',
    'create',
    ...(ikeVersion === '1' ? [] : ['--ike-version', `v${ikeVersion}`]),
    DEMO_NAMES.ikePolicy,
  ]);
  await ensureResource(lab, 'vpn/ipsecpolicies', DEMO_NAMES.ipsecPolicy, [
    'vpn',
    'ipsec',
    'policy',
    'create',
    DEMO_NAMES.ipsecPolicy,
  ]);
  const service = await ensureResource(lab, 'vpn/vpnservices', DEMO_NAMES.service, [
    'vpn',
    'service',
    'create',
    DEMO_NAMES.service,
    '--router',
    ROUTER,
    '--subnet',
    PRIVATE_SUBNET,
  ]);
  const createdAt = Date.now();
  const connection = await ensureResource(lab, 'vpn/ipsec-site-connections', DEMO_NAMES.connection, [
    'vpn',
    'ipsec',
    'site',
    'connection',
    'create',
    DEMO_NAMES.connection,
    '--vpnservice',
    DEMO_NAMES.service,
    '--ikepolicy',
    DEMO_NAMES.ikePolicy,
    '--ipsecpolicy',
    DEMO_NAMES.ipsecPolicy,
    '--peer-address',
    lab.peer.address,
    '--peer-id',
    lab.peer.address,
    `--psk=${secretArgument('psk')}`,
    '--peer-cidr',
    lab.peer.subnet,
  ]);
  return { service, connection, createdAt };
}

/** What the tunnel shows once ACTIVE: with strongSwan, its SAs and a ping across; with the CSR, the device's state. */
async function acrossTheTunnel(lab: DemoLab, host: Host | undefined): Promise<Partial<DemoResult>> {
  if (host) return { peerSas: await peerSas(lab), ping: await pingAcross(lab, host) };
  const csr = await csrSummary(lab);
  lab.say(
    `CSR simulator: ${csr.keyrings} keyring, ${csr.ikePolicies} IKE policy, ${csr.ipsecPolicies} IPsec policy, ${csr.tunnels} tunnel, ${csr.routes} route; sessions: ${csr.sessions.map((s) => `${s['vpn-interface-name']} ${s.status}`).join(', ') || 'none'}`,
  );
  return { csr };
}

function sayMade(lab: DemoLab, host: Host | undefined): void {
  lab.say('');
  lab.say(
    `Made: IKE policy ${DEMO_NAMES.ikePolicy}, IPsec policy ${DEMO_NAMES.ipsecPolicy}, VPN service ${DEMO_NAMES.service} on ${ROUTER}, connection ${DEMO_NAMES.connection} to ${lab.peer.address} (peer CIDR ${lab.peer.subnet})${host ? `, host ${DEMO_NAMES.host} ${host.address} behind ${ROUTER}` : ''}`,
  );
  lab.say('See it:   npx lab openstack vpn ipsec site connection list');
  lab.say('Delete:   npx lab vpn demo --delete');
}

export async function deleteDemo(engine: Engine, project: string, say: (line: string) => void): Promise<string[]> {
  const lab = await openLab(engine, project, ['q-svc'], say);
  const deleted: string[] = [];
  const steps: { collection: string; name: string; what: string; command: string[] }[] = [
    {
      collection: 'vpn/ipsec-site-connections',
      name: DEMO_NAMES.connection,
      what: 'connection',
      command: ['vpn', 'ipsec', 'site', 'connection', 'delete'],
    },
    {
      collection: 'vpn/vpnservices',
      name: DEMO_NAMES.service,
      what: 'VPN service',
      command: ['vpn', 'service', 'delete'],
    },
    {
      collection: 'vpn/ipsecpolicies',
      name: DEMO_NAMES.ipsecPolicy,
      what: 'IPsec policy',
      command: ['vpn', 'ipsec', 'policy', 'delete'],
    },
    {
      collection: 'vpn/ikepolicies',
      name: DEMO_NAMES.ikePolicy,
      what: 'IKE policy',
      command: ['vpn', 'ike', 'policy', 'delete'],
    },
  ];
  for (const step of steps) {
    if (!(await lab.api.findByName(step.collection, step.name))) continue;
    await lab.client.run([...step.command, step.name]);
    deleted.push(`${step.what} ${step.name}`);
  }
  const host = await lab.api.findByName('ports', DEMO_NAMES.host);
  if (host) {
    const qAgt = (await engine.listContainers(project)).find((c) => c.service === 'q-agt' && c.state === 'running');
    if (qAgt) await engine.exec(qAgt.id, ['lab-probe', 'delete', host.id]);
    await lab.client.run(['port', 'delete', DEMO_NAMES.host]);
    deleted.push(`host ${DEMO_NAMES.host}`);
  }
  say(deleted.length > 0 ? `Deleted: ${deleted.join(', ')}` : 'Nothing to delete: no lab-demo-* resources in Neutron');
  return deleted;
}

async function openLab(
  engine: Engine,
  project: string,
  needed: string[],
  say: (line: string) => void,
): Promise<DemoLab> {
  const containers = await runningServices(engine, project, needed);
  const qSvc = containers.get('q-svc') as ContainerInfo;
  const strongswan =
    containers.get('strongswan') ?? (await engine.listContainers(project)).find((c) => c.service === 'strongswan');
  const env = strongswan?.env ?? {};
  const subnet = env.STRONGSWAN_LOCAL_SUBNET ?? '';
  const peer: Peer = {
    address: env.STRONGSWAN_LOCAL_ID ?? '',
    psk: env.STRONGSWAN_PSK ?? '',
    subnet,
    inside: subnet ? nthAddress(subnet, 1) : '',
    ikeVersion: env.STRONGSWAN_IKE_VERSION ?? '1',
  };
  return {
    engine,
    project,
    client: new OpenStackClient(engine, qSvc.id, { psk: peer.psk }),
    api: NeutronClient.forPort(publishedPort(qSvc)),
    containers,
    peer,
    say,
  };
}

/** The host port a container publishes on 127.0.0.1 (the first one). */
export function publishedPort(container: ContainerInfo): number {
  const match = container.ports.map((p) => /^127\.0\.0\.1:(\d+)->/.exec(p)).find((m) => m !== null);
  if (!match?.[1]) throw new OperationError(`${container.service} publishes no port on 127.0.0.1`);
  return Number(match[1]);
}

/**
 * The API names the default VPN provider but not its class: that is in the
 * neutron_vpnaas.conf the running q-svc has mounted.
 */
async function requireProvider(lab: DemoLab, driver: DemoDriver): Promise<void> {
  const providers = await lab.api.list('service-providers');
  const name = providers.find((p) => p.service_type === 'VPN' && p.default === true)?.name;
  const qSvc = lab.containers.get('q-svc') as ContainerInfo;
  const { output } = await lab.engine.exec(qSvc.id, ['cat', '/etc/neutron/neutron_vpnaas.conf']);
  const current = output
    .split('\n')
    .map((l) => /^\s*service_provider\s*=\s*(\S+)/.exec(l)?.[1])
    .map((value) => (value ? parseServiceProvider(value) : undefined))
    .find((p): p is ServiceProvider => typeof p === 'object' && p.serviceType === 'VPN' && p.name === name)?.driver;
  const now = name ? `${name} (${current ?? 'class not found in neutron_vpnaas.conf'})` : 'none';
  const wanted = PROVIDER_FOR[driver];
  if (!current || !wanted.matches(current)) {
    const other = DEMO_DRIVERS.find((d) => d !== driver && current && PROVIDER_FOR[d].matches(current));
    throw new UsageError(
      `--driver ${driver}: the lab's default VPN provider is ${now}; --driver ${driver} needs ${wanted.how}${other ? `, or run lab vpn demo --driver ${other}` : ''}`,
    );
  }
}

async function ensureResource(lab: DemoLab, collection: string, name: string, create: string[]): Promise<Resource> {
  const existing = await lab.api.findByName(collection, name);
  if (existing) {
    lab.say(`  = ${name} is there already (${existing.id})`);
    return existing;
  }
  lab.say(`  $ openstack ${lab.client.show(create)}`);
  const made = await lab.client.json<{ id?: string; ID?: string }>(create);
  const id = made.id ?? made.ID;
  if (!id) throw new OperationError(`openstack ${lab.client.show(create)} printed no id`);
  return { id, name };
}

interface Host {
  portId: string;
  address: string;
}

/** A host behind router1 on private-subnet: a Neutron port bound to the network node, plugged by lab-probe in q-agt. */
async function ensureHost(lab: DemoLab): Promise<Host> {
  const qAgt = lab.containers.get('q-agt') as ContainerInfo;
  const subnet = await lab.client.json<{ id: string; cidr: string; gateway_ip: string }>([
    'subnet',
    'show',
    PRIVATE_SUBNET,
  ]);
  const prefix = subnet.cidr.split('/')[1] ?? '24';
  let port = (await lab.api.findByName('ports', DEMO_NAMES.host)) as
    (Resource & { mac_address?: string; fixed_ips?: { ip_address: string }[] }) | undefined;
  if (!port) {
    const address = hostAddressFor(subnet.cidr);
    const create = [
      'port',
      'create',
      DEMO_NAMES.host,
      '--network',
      'private',
      '--fixed-ip',
      `subnet=${PRIVATE_SUBNET},ip-address=${address}`,
      '--host',
      qAgt.hostname,
      '--device-owner',
      'network:lab-probe',
    ];
    lab.say(`  $ openstack ${lab.client.show(create)}`);
    const made = await lab.client.json<{ id: string }>(create);
    port = (await lab.api.get(`ports/${made.id}`)).port as typeof port;
  }
  if (!port?.mac_address || !port.fixed_ips?.[0]) throw new OperationError(`port ${DEMO_NAMES.host} has no address`);
  const address = port.fixed_ips[0].ip_address;
  const plugged = await lab.engine.exec(qAgt.id, [
    'lab-probe',
    'add',
    port.id,
    port.mac_address,
    `${address}/${prefix}`,
    subnet.gateway_ip,
  ]);
  if (plugged.exitCode !== 0)
    throw new OperationError(`plugging ${DEMO_NAMES.host} into q-agt failed: ${plugged.output.trim()}`);
  lab.say(`  host ${DEMO_NAMES.host} ${address} behind ${ROUTER}: namespace qprobe-${port.id} in q-agt`);
  // Neutron's ACTIVE alone is not enough: after a restart of q-agt the port is still ACTIVE
  // from before while the new tap waits for the L2 agent to plug it.
  const onBridge = async () => (await lab.engine.exec(qAgt.id, ['lab-plugged', port.id])).exitCode === 0;
  await poll({
    what: `port ${DEMO_NAMES.host} ACTIVE on a bridge`,
    timeoutMs: 30_000,
    intervalMs: 500,
    check: async () =>
      (((await lab.api.get(`ports/${port?.id}`)).port as Resource).status === 'ACTIVE' && (await onBridge())) ||
      undefined,
    onTimeout: () =>
      new OperationError(
        `port ${DEMO_NAMES.host} did not go ACTIVE on a bridge: the L2 agent in q-agt plugs it (lab logs q-agt)`,
      ),
  });
  return { portId: port.id, address };
}

async function waitActive(
  lab: DemoLab,
  serviceId: string,
  connectionId: string,
  since: number,
  timeoutMs: number,
): Promise<string[]> {
  const seen: string[] = [];
  return poll({
    what: 'connection and service ACTIVE',
    timeoutMs,
    intervalMs: 1000,
    check: async (_, note) => {
      const connection = (await lab.api.get(`vpn/ipsec-site-connections/${connectionId}`))
        .ipsec_site_connection as Resource;
      const service = (await lab.api.get(`vpn/vpnservices/${serviceId}`)).vpnservice as Resource;
      const now = `connection ${connection.status}, service ${service.status}`;
      if (now !== seen.at(-1)) {
        lab.say(`  +${((Date.now() - since) / 1000).toFixed(1).padStart(5)} s  ${now}`);
        seen.push(now);
      }
      note(now);
      if (connection.status === 'ACTIVE' && service.status === 'ACTIVE') return seen;
      if (connection.status === 'ERROR' || service.status === 'ERROR')
        throw new OperationError(`the VPN went to ERROR: lab check says why, lab logs q-vpn shows the device driver`);
      return undefined;
    },
    onTimeout: (timeout) =>
      new OperationError(
        `not ACTIVE after ${timeoutMs / 1000} s (${timeout.observation}): lab check says why, lab logs q-vpn shows the device driver`,
      ),
  });
}

async function peerSas(lab: DemoLab): Promise<{ ikeEstablished: boolean; childInstalled: boolean }> {
  const strongswan = lab.containers.get('strongswan') as ContainerInfo;
  const { output } = await lab.engine.exec(strongswan.id, ['swanctl', '--list-sas']);
  const lines = output.split('\n').filter((l) => /ESTABLISHED|INSTALLED/.test(l));
  const sas = {
    ikeEstablished: lines.some((l) => l.includes('ESTABLISHED')),
    childInstalled: lines.some((l) => l.includes('INSTALLED')),
  };
  lab.say(`strongSwan peer ${lab.peer.address}: ${lines.map((l) => l.trim()).join(' | ') || 'no SA'}`);
  return sas;
}

async function pingAcross(
  lab: DemoLab,
  host: Host,
): Promise<{ from: string; to: string; sent: number; received: number }> {
  const qAgt = lab.containers.get('q-agt') as ContainerInfo;
  // A tunnel just (re)established may drop the first packets while the router's charon
  // installs its routes: a few rounds, the last one's count reported.
  let ping = { from: host.address, to: lab.peer.inside, sent: 0, received: 0 };
  for (let round = 0; round < 4 && ping.received === 0; round++) {
    if (round > 0) await sleep(2000);
    const { output } = await lab.engine.exec(qAgt.id, [
      'ip',
      'netns',
      'exec',
      `qprobe-${host.portId}`,
      'ping',
      '-c',
      '3',
      '-W',
      '2',
      lab.peer.inside,
    ]);
    const stats = /(\d+) packets transmitted, (\d+) received/.exec(output);
    ping = { ...ping, sent: Number(stats?.[1] ?? 0), received: Number(stats?.[2] ?? 0) };
  }
  lab.say(
    `ping ${ping.from} -> ${ping.to} across the tunnel: ${ping.received}/${ping.sent} replies${ping.received > 0 ? '' : ' (lab check looks at the data path)'}`,
  );
  return ping;
}

async function csrSummary(lab: DemoLab): Promise<CsrSummary> {
  const csr = lab.containers.get('csr') as ContainerInfo;
  const state = await csrState(csr);
  return {
    keyrings: Object.keys(state.keyrings ?? {}).length,
    ikePolicies: Object.keys(state.ikePolicies ?? {}).length,
    ipsecPolicies: Object.keys(state.ipsecPolicies ?? {}).length,
    tunnels: Object.keys(state.tunnels ?? {}).length,
    routes: Object.keys(state.routes ?? {}).length,
    sessions: state.sessions ?? [],
  };
}

interface CsrDump {
  keyrings?: Record<string, unknown>;
  ikePolicies?: Record<string, unknown>;
  ipsecPolicies?: Record<string, unknown>;
  tunnels?: Record<string, unknown>;
  routes?: Record<string, unknown>;
  sessions?: { 'vpn-interface-name': string; status: string }[];
}

/** The simulator's state dump, through its published port, with the device's credentials. */
export async function csrState(csr: ContainerInfo): Promise<CsrDump> {
  const basic = Buffer.from(`${csr.env.CSR_USERNAME ?? ''}:${csr.env.CSR_PASSWORD ?? ''}`).toString('base64');
  const answer = await request('GET', `https://127.0.0.1:${publishedPort(csr)}/lab/state`, undefined, 5000, {
    authorization: `Basic ${basic}`,
  });
  if (answer.status !== 200) throw new OperationError(`the CSR simulator's state: ${answer.status}`);
  return JSON.parse(answer.text) as CsrDump;
}

/** The demo host's address: the last one before broadcast, clear of the gateway and of DevStack's first addresses. */
export function hostAddressFor(cidr: string): string {
  return nthAddress(cidr, -2);
}
