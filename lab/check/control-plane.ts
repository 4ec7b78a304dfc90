// `lab check`, the control plane: neutron-server and its VPN API, the migrations, the VPN
// agent and the device driver it loaded, VPN resources the agent never picks up.
import { l2Agent } from '../config/release.js';
import type { IniDocument } from '../config/ini.js';
import { agentExtensions } from '../config/vpn.js';
import { aliveSince, findAgent, type Agent } from '../neutron/agents.js';
import { displayPath } from '../paths.js';
import { screenLink } from '../logs/screen.js';
import {
  formatHit,
  providerSource,
  searchLog,
  unanswered,
  type Check,
  type CheckContext,
  type LogHit,
  type Verdict,
} from './context.js';

const LOG_PATTERNS = {
  noProvider: /No providers specified for 'VPN' service/,
  badProvider:
    /Invalid service provider format|Multiple default providers for service|service type .* not defined|Driver .* is not unique across providers/,
  importError:
    /(ImportError|ModuleNotFoundError|No module named|Error loading provider|Class .* cannot be found|cannot import name)/,
  dbError:
    /(Can't connect to MySQL server|Access denied for user|Unknown database|doesn't exist|OperationalError|ProgrammingError)/,
  brokerError:
    /(AMQP server on .* is unreachable|ACCESS_REFUSED|Connection refused.*5672|Timed out waiting for a reply)/,
  noVpnExtension: /Extension vpnaas not supported by any of loaded plugins/,
  deviceImport: /DeviceDriverImportError|Error loading VPNaaS device driver|Could not load device driver/,
};

async function lookServer(ctx: CheckContext): Promise<Verdict> {
  const logDir = ctx.lab.config.screenLogDir;
  const server = ctx.containers.find((c) => c.service === 'q-svc');
  if (server?.state === 'running') {
    const answer = await ctx.get('/v2.0/');
    if ('status' in answer && answer.status === 200) return { ok: true, evidence: [`GET ${ctx.api}/v2.0/ -> 200`] };
  }
  const hits = (pattern: RegExp) => searchLog(logDir, 'q-svc', pattern, server?.startedAt).slice(-3).map(formatHit);
  const state = server
    ? `q-svc is ${server.state}${server.state === 'exited' ? ` (exit code ${server.exitCode})` : ''}`
    : 'q-svc has no container';
  const noProvider = hits(LOG_PATTERNS.noProvider);
  if (noProvider.length > 0) {
    return {
      ok: false,
      evidence: [state, ...noProvider],
      fix: `no VPN service provider reaches neutron-server: set ${providerSource(ctx)} to e.g. VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default, then lab restart q-svc`,
    };
  }
  const badProvider = hits(LOG_PATTERNS.badProvider);
  if (badProvider.length > 0) {
    return {
      ok: false,
      evidence: [state, ...badProvider],
      fix: `neutron-server refuses the service_provider lines: fix ${ctx.settingSource('NEUTRON_VPNAAS_SERVICE_PROVIDER')} (or [service_providers] in [[post-config|$NEUTRON_VPNAAS_CONF]]), then lab restart q-svc`,
    };
  }
  const imports = hits(LOG_PATTERNS.importError);
  if (imports.length > 0) {
    const providers = ctx.lab.config.serviceProviders.map((p) => p.value.driver).join(', ');
    return {
      ok: false,
      evidence: [state, ...imports],
      fix: `neutron-server cannot import a service driver (${providers}): check the class path in ${ctx.settingSource('NEUTRON_VPNAAS_SERVICE_PROVIDER')}, and that the package is in an enable_plugin directory; then lab restart q-svc`,
    };
  }
  const db = hits(LOG_PATTERNS.dbError);
  if (db.length > 0)
    return {
      ok: false,
      evidence: [state, ...db],
      fix: `neutron-server cannot use its database: check mysql (lab status), ${ctx.settingSource('DATABASE_PASSWORD')}; then lab restart mysql q-svc`,
    };
  return {
    ok: false,
    evidence: [
      state,
      ...searchLog(logDir, 'q-svc', /ERROR|CRITICAL/)
        .slice(-3)
        .map(formatHit),
    ],
    fix: 'see lab logs q-svc; then lab restart q-svc',
  };
}

async function lookVpnApi(ctx: CheckContext): Promise<Verdict> {
  const answer = await ctx.get('/v2.0/vpn/vpnservices');
  if (!('status' in answer))
    return {
      ok: false,
      evidence: [`GET ${ctx.api}/v2.0/vpn/vpnservices: ${answer.error}`],
      fix: 'neutron-server does not answer: see the check above',
    };
  if (answer.status === 200) return { ok: true, evidence: [`GET ${ctx.api}/v2.0/vpn/vpnservices -> 200`] };
  const evidence = [
    `GET ${ctx.api}/v2.0/vpn/vpnservices -> ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
  ];
  if (answer.status === 404) {
    const plugins = ctx.lab.config.servicePluginClasses.value.join(',');
    evidence.push(
      ...searchLog(ctx.lab.config.screenLogDir, 'q-svc', LOG_PATTERNS.noVpnExtension).slice(-1).map(formatHit),
    );
    return {
      ok: false,
      evidence,
      fix: `every /v2.0/vpn call answers 404 because vpnaas is not in service_plugins ("${plugins}"): write Q_SERVICE_PLUGIN_CLASSES=router,vpnaas in localrc (now ${ctx.settingSource('Q_SERVICE_PLUGIN_CLASSES')}), then lab restart q-svc`,
    };
  }
  return {
    ok: false,
    evidence: [
      ...evidence,
      ...searchLog(ctx.lab.config.screenLogDir, 'q-svc', LOG_PATTERNS.dbError).slice(-2).map(formatHit),
    ],
    fix: 'see lab logs q-svc',
  };
}

async function lookDatabase(ctx: CheckContext): Promise<Verdict> {
  const sync = ctx.containers.find((c) => c.service === 'q-db-sync');
  if (!sync)
    return {
      ok: false,
      evidence: ['no q-db-sync container'],
      fix: 'lab stack runs the migrations',
    };
  if (sync.state === 'exited' && sync.exitCode === 0) {
    const heads = searchLog(ctx.lab.config.screenLogDir, 'q-db-sync', /Running upgrade for neutron-vpnaas|^OK$/)
      .slice(-1)
      .map(formatHit);
    return { ok: true, evidence: [`q-db-sync exited 0`, ...heads] };
  }
  const hits = searchLog(ctx.lab.config.screenLogDir, 'q-db-sync', LOG_PATTERNS.dbError).slice(-3).map(formatHit);
  return {
    ok: false,
    evidence: [`q-db-sync is ${sync.state} (exit code ${sync.exitCode})`, ...hits],
    fix: `the migrations did not run: check mysql (lab status, lab logs mysql) and ${ctx.settingSource('DATABASE_PASSWORD')}; then lab restart q-svc`,
  };
}

/** The network node's host name in /v2.0/agents: q-agt's container, whose namespace q-vpn shares. */
const AGENT_HOST = 'q-vpn';

/** An agent of `service` is alive in /v2.0/agents, with a heartbeat from the process running now. */
function lookAgentOf(service: 'q-vpn' | 'q-agt', agentType: (ctx: CheckContext) => string) {
  return async (ctx: CheckContext): Promise<Verdict> => {
    const type = agentType(ctx);
    const answer = await ctx.get('/v2.0/agents');
    const agents =
      'status' in answer && answer.status === 200 ? ((answer.body as { agents?: Agent[] }).agents ?? []) : [];
    const container = ctx.containers.find((c) => c.service === service);
    // "alive" lasts a while after an agent died: the heartbeat must come from the process running now.
    const since = container?.startedAt ? Date.parse(container.startedAt) : 0;
    const alive = aliveSince(agents, type, AGENT_HOST, since);
    if (alive && container?.state === 'running')
      return {
        ok: true,
        evidence: [
          `GET ${ctx.api}/v2.0/agents: ${type} on ${AGENT_HOST} alive, last heartbeat ${alive.heartbeat_timestamp} UTC`,
        ],
      };
    const agent = findAgent(agents, type, AGENT_HOST);
    const broker = searchLog(ctx.lab.config.screenLogDir, service, LOG_PATTERNS.brokerError, container?.startedAt)
      .slice(-3)
      .map(formatHit);
    const evidence = [
      agent ? `${type} on ${AGENT_HOST} is registered but not alive` : `no ${type} of ${service} in /v2.0/agents`,
      `${service} is ${container?.state ?? 'missing'}`,
      ...broker,
    ];
    if (broker.length > 0) {
      return {
        ok: false,
        evidence,
        fix: `the agent cannot reach RabbitMQ, or is refused: check rabbit (lab status) and ${ctx.settingSource('RABBIT_USERID')} / ${ctx.settingSource('RABBIT_PASSWORD')}; then lab restart rabbit q-svc ${service}`,
      };
    }
    return {
      ok: false,
      evidence: [
        ...evidence,
        ...searchLog(ctx.lab.config.screenLogDir, service, /ERROR|CRITICAL/)
          .slice(-3)
          .map(formatHit),
      ],
      fix: `see lab logs ${service}; then lab restart ${service}`,
    };
  };
}

function lookDeviceDriver(ctx: CheckContext): Verdict {
  const logDir = ctx.lab.config.screenLogDir;
  const drivers = ctx.lab.config.deviceDrivers.map((d) => d.value);
  const since = ctx.containers.find((c) => c.service === 'q-vpn')?.startedAt;
  const loaded = drivers.map((d) =>
    searchLog(logDir, 'q-vpn', new RegExp(`Loaded VPNaaS device driver: ${d.replace(/\./g, '\\.')}`), since).at(-1),
  );
  if (loaded.every((hit) => hit !== undefined))
    return { ok: true, evidence: loaded.map((h) => formatHit(h as LogHit)) };
  const importErrors = searchLog(logDir, 'q-vpn', LOG_PATTERNS.deviceImport, since).slice(-2).map(formatHit);
  if (importErrors.length > 0) {
    return {
      ok: false,
      evidence: importErrors,
      fix: `the agent cannot import the device driver ${drivers.join(', ')}: check the class path in ${ctx.settingSource('NEUTRON_VPNAAS_DEVICE_DRIVER')} and that its package is in an enable_plugin directory; then lab restart q-vpn`,
    };
  }
  // The rendering is looked up here, not through config/render, so the registry's checks import no registry.
  const l3Agent = ctx.lab.rendering.files.find((f) => f.spec.id === 'l3_agent.ini')?.document as IniDocument;
  const extensions = agentExtensions(l3Agent);
  if (!extensions.vpnaas) {
    return {
      ok: false,
      evidence: [`l3_agent.ini [AGENT] extensions = ${extensions.value || '(empty)'}`],
      fix: 'the agent runs without the vpnaas extension, so no device driver loads: keep vpnaas in [AGENT] extensions (remove the override in [[post-config|$Q_L3_CONF_FILE]]), then lab restart q-vpn',
    };
  }
  return {
    ok: false,
    evidence: [
      `no "Loaded VPNaaS device driver: ${drivers.join(', ')}" in ${displayPath(screenLink(logDir, 'q-vpn'))}`,
    ],
    fix: 'the device driver is not in a file the agent reads, or the agent has not started yet: see lab config (l3_agent.ini [vpnagent]), then lab restart q-vpn',
  };
}

interface VpnResource {
  id: string;
  name: string;
  status: string;
}

async function lookPending(ctx: CheckContext): Promise<Verdict> {
  const pending: string[] = [];
  for (const kind of ['vpnservices', 'ipsec-site-connections']) {
    const answer = await ctx.get(`/v2.0/vpn/${kind}`);
    if (!('status' in answer) || answer.status !== 200) {
      return unanswered(
        `GET ${ctx.api}/v2.0/vpn/${kind}: ${'status' in answer ? answer.status : answer.error}`,
        'VPN API',
      );
    }
    const items = Object.values(answer.body as Record<string, VpnResource[]>)[0] ?? [];
    for (const item of items)
      if (item.status.startsWith('PENDING_')) pending.push(`${kind} ${item.name || item.id}: ${item.status}`);
  }
  if (pending.length === 0) return { ok: true, evidence: ['nothing PENDING_*'] };
  const providers = ctx.lab.config.serviceProviders
    .filter((p) => p.value.serviceType === 'VPN')
    .map((p) => p.value.driver);
  const devices = ctx.lab.config.deviceDrivers.map((d) => d.value);
  // The in-tree service driver talks to the in-tree device drivers (topics ipsec_driver /
  // ipsec_agent); an out-of-tree pair to itself. One of each never meet.
  const inTree = (path: string) => path.startsWith('neutron_vpnaas.');
  const mismatched = providers.some((p) => devices.every((d) => inTree(p) !== inTree(d)));
  if (!mismatched) {
    return {
      ok: true,
      evidence: [
        ...pending,
        'the driver pair matches: the agent reports status every [ipsec] ipsec_status_check_interval (60 s by default)',
      ],
    };
  }
  return {
    ok: false,
    evidence: [
      ...pending,
      `service driver ${providers.join(', ')} and device driver ${devices.join(', ')} are not a pair: they use different RPC topics, so no agent ever picks these up`,
    ],
    fix: `make the two drivers a pair: ${ctx.settingSource('NEUTRON_VPNAAS_SERVICE_PROVIDER')} and ${ctx.settingSource('NEUTRON_VPNAAS_DEVICE_DRIVER')}; then lab restart q-svc q-vpn`,
  };
}

export const serverRuns: Check = {
  id: 'server',
  title: 'neutron-server (q-svc) runs and answers GET /v2.0/',
  look: lookServer,
};
export const vpnApi: Check = {
  id: 'vpn-api',
  title: 'the VPN API answers (GET /v2.0/vpn/vpnservices)',
  look: lookVpnApi,
};
export const migrated: Check = {
  id: 'database',
  title: 'the database is migrated for neutron and neutron-vpnaas (q-db-sync)',
  look: lookDatabase,
};
export const agentAlive: Check = {
  id: 'agent',
  title: 'the VPN agent (q-vpn) is alive in /v2.0/agents',
  look: lookAgentOf('q-vpn', () => 'L3 agent'),
};
export const l2AgentAlive: Check = {
  id: 'l2-agent',
  title: "the L2 agent (q-agt) is alive in /v2.0/agents, on q-vpn's host",
  look: lookAgentOf('q-agt', (ctx) => l2Agent(ctx.lab.config.release)),
};
export const deviceDriverLoaded: Check = {
  id: 'device-driver',
  title: 'the VPN agent loaded the configured device driver',
  look: lookDeviceDriver,
};
export const nothingPending: Check = {
  id: 'pending',
  title: 'no VPN resource waits for the agent (PENDING_*)',
  needs: ['q-svc'],
  look: lookPending,
};
