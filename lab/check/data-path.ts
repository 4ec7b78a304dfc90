// `lab check`, the data path: routers hosted by the L3 agent with their namespace in q-vpn
// and their gateway reachable from the peer through q-agt's public bridge, and each IPsec site connection's SAs on both
// sides (the router's charon, the strongSwan peer). Same form as the other checks.
import { STRONGSWAN_DEVICE_DRIVER } from '../config/drivers.js';
import { l2Agent } from '../config/release.js';
import type { ContainerInfo } from '../engine.js';
import { execIn, list, runningContainer, unanswered, type Check, type CheckContext, type Verdict } from './context.js';

interface Router {
  id: string;
  name: string;
  external_gateway_info?: { network_id: string; external_fixed_ips?: { ip_address: string }[] } | null;
}

interface Connection {
  id: string;
  name: string;
  status: string;
  peer_address: string;
  vpnservice_id: string;
}

async function lookRouters(ctx: CheckContext): Promise<Verdict> {
  const routers = await list<Router>(ctx, '/v2.0/routers', 'routers');
  if (typeof routers === 'string') return unanswered(routers, 'API');
  if (routers.length === 0)
    return {
      ok: true,
      evidence: ['no router yet (lab stack makes router1 unless NEUTRON_CREATE_INITIAL_NETWORKS=False)'],
    };
  const vpn = runningContainer(ctx, 'q-vpn');
  const namespaces = vpn ? (await execIn(ctx, vpn, ['ip', 'netns', 'list'])).output : '';
  const evidence: string[] = [];
  const problems: string[] = [];
  for (const router of routers) {
    const agents = await list<{ host: string; alive: boolean }>(ctx, `/v2.0/routers/${router.id}/l3-agents`, 'agents');
    const hosts = typeof agents === 'string' ? [] : agents.map((a) => a.host);
    const label = `${router.name || router.id} (${router.id})`;
    if (!hosts.includes('q-vpn')) {
      problems.push('unhosted');
      evidence.push(
        `${label}: hosted by ${hosts.join(', ') || 'no L3 agent'} (GET /v2.0/routers/${router.id}/l3-agents)`,
      );
    } else if (!namespaces.includes(`qrouter-${router.id}`)) {
      problems.push('namespace');
      evidence.push(`${label}: hosted by q-vpn, but q-vpn has no namespace qrouter-${router.id} (ip netns list)`);
    } else {
      const gateway = router.external_gateway_info?.external_fixed_ips?.[0]?.ip_address;
      evidence.push(
        `${label}: hosted by q-vpn, namespace qrouter-${router.id}${gateway ? `, gateway ${gateway}` : ', no gateway'}`,
      );
    }
  }
  if (problems.length === 0) return { ok: true, evidence };
  const fix = problems.includes('unhosted')
    ? 'the L3 agent has not taken the router: see the agent check above and lab logs q-vpn; then lab restart q-vpn'
    : 'the agent took the router but did not make its namespace: lab logs q-vpn shows the error (search for the router id); then lab restart q-vpn';
  return { ok: false, evidence, fix };
}

async function lookGateways(ctx: CheckContext): Promise<Verdict> {
  const routers = await list<Router>(ctx, '/v2.0/routers', 'routers');
  if (typeof routers === 'string') return unanswered(routers, 'API');
  const peer = runningContainer(ctx, 'strongswan');
  const gateways = routers.flatMap((r) =>
    (r.external_gateway_info?.external_fixed_ips ?? []).map((ip) => ({
      router: r.name || r.id,
      address: ip.ip_address,
    })),
  );
  if (!peer || gateways.length === 0)
    return {
      ok: true,
      evidence: [peer ? 'no router has a gateway yet' : 'strongswan is not running: nothing to ping from'],
    };
  const evidence: string[] = [];
  let failed = false;
  for (const gateway of gateways) {
    const { exitCode } = await execIn(ctx, peer, ['ping', '-c', '1', '-W', '2', gateway.address]);
    failed ||= exitCode !== 0;
    evidence.push(
      `strongswan: ping ${gateway.address} (${gateway.router}) ${exitCode === 0 ? 'answered' : 'no answer'}`,
    );
  }
  const wiring = await publicBridge(ctx);
  if (wiring) evidence.push(wiring.evidence);
  if (!failed) return { ok: true, evidence };
  const ports = await list<{
    device_owner: string;
    status: string;
    'binding:vif_type'?: string;
    fixed_ips: { ip_address: string }[];
  }>(ctx, '/v2.0/ports?device_owner=network:router_gateway', 'ports');
  const unbound =
    typeof ports === 'string'
      ? []
      : ports.filter((p) => p['binding:vif_type'] === 'binding_failed' || p.status !== 'ACTIVE');
  for (const port of unbound)
    evidence.push(
      `gateway port ${port.fixed_ips[0]?.ip_address ?? ''}: status ${port.status}, binding ${port['binding:vif_type'] ?? '?'}`,
    );
  const release = ctx.lab.config.release;
  const fix =
    unbound.length > 0
      ? `the gateway port is not bound to the ${l2Agent(release)} in q-agt: keep ${release.l2} in ${ctx.settingSource('Q_ML2_PLUGIN_MECHANISM_DRIVERS')}; then lab restart q-svc q-agt`
      : `q-agt's ${wiring?.bridge ?? 'public bridge'} is not wired to the public network: lab logs q-agt shows the lab-l2-agent lines; then lab restart q-agt`;
  return { ok: false, evidence, fix };
}

/**
 * The bridge holding q-agt's port on the public network, as the L2 agent's kernel or switch
 * reports it: br-public's ports (Linux bridge), br-ex's (Open vSwitch: the uplink and the
 * patch to br-int, where the routers' gateway ports are).
 */
async function publicBridge(ctx: CheckContext): Promise<{ bridge: string; evidence: string } | undefined> {
  const agt = runningContainer(ctx, 'q-agt');
  if (!agt) return undefined;
  if (ctx.lab.config.release.l2 === 'openvswitch') {
    const { exitCode, output } = await execIn(ctx, agt, ['ovs-vsctl', '--timeout=10', 'list-ports', 'br-ex']);
    const ports = output.trim().split('\n').filter(Boolean);
    return {
      bridge: 'br-ex',
      evidence:
        exitCode === 0
          ? `q-agt: br-ex ports ${ports.join(', ') || 'none'}${ports.some((p) => p.startsWith('phy-')) ? ' (patched to br-int, where the gateway ports are)' : ' (no patch to br-int: the Open vSwitch agent has not wired it)'}`
          : `q-agt: ovs-vsctl list-ports br-ex failed: ${output.trim()}`,
    };
  }
  const { output } = await execIn(ctx, agt, ['ip', '-o', 'link', 'show', 'master', 'br-public']);
  const ports = [...output.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]);
  return { bridge: 'br-public', evidence: `q-agt: br-public ports ${ports.join(', ') || 'none'}` };
}

/** `ipsec status` of the charon the strongSwan driver runs in a router's namespace. */
async function routerIpsecStatus(ctx: CheckContext, vpn: ContainerInfo, routerId: string): Promise<string> {
  const dir = `/var/lib/neutron/ipsec/${routerId}`;
  const { output } = await execIn(ctx, vpn, [
    'ip',
    'netns',
    'exec',
    `qrouter-${routerId}`,
    'neutron-vpn-netns-wrapper',
    `--mount_paths=/etc:${dir}/etc,/var/run:${dir}/var/run`,
    '--rootwrap_config=/etc/neutron/rootwrap.conf',
    '--cmd=ipsec,status',
  ]);
  return output;
}

async function lookIke(ctx: CheckContext): Promise<Verdict> {
  const connections = await list<Connection>(ctx, '/v2.0/vpn/ipsec-site-connections', 'ipsec_site_connections');
  if (typeof connections === 'string') return unanswered(connections, 'VPN API');
  if (connections.length === 0)
    return { ok: true, evidence: ['no ipsec-site-connection yet (lab vpn demo makes one)'] };
  const drivers = ctx.lab.config.deviceDrivers.map((d) => d.value);
  if (!drivers.includes(STRONGSWAN_DEVICE_DRIVER)) {
    return {
      ok: true,
      evidence: [
        `not looked at: the device driver ${drivers.join(', ')} runs no charon in the router namespace; the device holds the SAs`,
      ],
    };
  }
  const vpn = runningContainer(ctx, 'q-vpn');
  const peer = runningContainer(ctx, 'strongswan');
  const peerAddress = peer?.env.STRONGSWAN_LOCAL_ID;
  const peerSas = peer ? (await execIn(ctx, peer, ['swanctl', '--list-sas'])).output : '';
  const evidence: string[] = [];
  const fixes = new Set<string>();
  for (const connection of connections) {
    const services = await list<{ id: string; router_id: string }>(
      ctx,
      `/v2.0/vpn/vpnservices?id=${connection.vpnservice_id}`,
      'vpnservices',
    );
    const routerId = typeof services === 'string' ? undefined : services[0]?.router_id;
    const label = `${connection.name || connection.id} (${connection.status})`;
    const routerSide = vpn && routerId ? await routerIpsecStatus(ctx, vpn, routerId) : '';
    const ours = routerSide.split('\n').filter((l) => l.includes(connection.id));
    const routerIke = ours.some((l) => /ESTABLISHED/.test(l));
    const routerChild = ours.some((l) => /INSTALLED/.test(l));
    if (ours.length === 0 && (!routerSide || /not running|Exit code: [13] /.test(routerSide))) {
      evidence.push(`${label}: no charon answers in qrouter-${routerId ?? '?'}`);
      fixes.add(
        'the device driver has not started strongSwan for the router: lab logs q-vpn shows the ipsec / neutron-vpn-netns-wrapper errors; then lab restart q-vpn',
      );
      continue;
    }
    evidence.push(
      `${label}: router side IKE ${routerIke ? 'ESTABLISHED' : 'not established'}, CHILD_SA ${routerChild ? 'INSTALLED' : 'not installed'}`,
    );
    if (peerAddress && connection.peer_address === peerAddress) {
      const peerIke = /ESTABLISHED/.test(peerSas);
      const peerChild = /INSTALLED/.test(peerSas);
      evidence.push(
        `${label}: strongSwan peer ${peerAddress} IKE ${peerIke ? 'ESTABLISHED' : 'not established'}, CHILD_SA ${peerChild ? 'INSTALLED' : 'not installed'} (swanctl --list-sas)`,
      );
      if (!peerIke || !routerIke)
        fixes.add(
          `IKE does not come up: the IKE and IPsec policies must match STRONGSWAN_IKE_PROPOSALS and STRONGSWAN_ESP_PROPOSALS, the PSK ${ctx.settingSource('STRONGSWAN_PSK')}, the peer id ${ctx.settingSource('STRONGSWAN_IP')}; lab logs strongswan says why the peer refused`,
        );
      else if (!peerChild || !routerChild)
        fixes.add(
          `the CHILD_SA is not installed: the connection's peer CIDR must be ${ctx.settingSource('STRONGSWAN_SUBNET')} and the VPN service's subnet ${ctx.settingSource('FIXED_RANGE')}`,
        );
    } else if (!routerIke || !routerChild) {
      fixes.add("the router's side is not up: lab logs q-vpn, and the remote device's own log");
    }
  }
  if (fixes.size === 0) return { ok: true, evidence };
  return { ok: false, evidence, fix: [...fixes].join('; ') };
}

// The data path is looked at in containers that may be failing: the runner turns a look that throws into a failure.
export const routersHosted: Check = {
  id: 'routers',
  title: 'routers are hosted by the L3 agent on q-vpn, with their namespace there',
  needs: ['q-svc'],
  look: lookRouters,
};
export const gatewaysReachable: Check = {
  id: 'gateway',
  title: "routers' gateways answer the strongSwan peer on the public network",
  needs: ['q-svc'],
  look: lookGateways,
};
export const ikeSas: Check = {
  id: 'ike',
  title: 'IPsec site connections have their IKE SA and CHILD_SA on both sides',
  needs: ['q-svc'],
  look: lookIke,
};
