// `lab check`: from symptom to cause. Each check looks at the running lab (the API through
// its published port, the containers by label, the screen logs) and says pass or fail,
// with its evidence (the HTTP answer, or the log line with its file and line number) and,
// when it fails, the fix: what to change where, and what to restart.
import fs from 'node:fs';
import path from 'node:path';
import { gatewaysReachable, ikeSas, routersHosted } from './check-datapath.js';
import { formatOrigin } from './config/origin.js';
import { renderedDocument } from './config/render.js';
import { agentExtensions } from './config/vpn.js';
import type { LoadedLab } from './load.js';
import type { ContainerInfo, Engine } from './engine.js';
import { aliveSince, findAgent, type Agent } from './neutron/agents.js';
import { CHECK_BOUND, NeutronClient } from './neutron/client.js';
import { currentFile, parseLogLine, screenLink, sortableTimestamp } from './logs/screen.js';
import { displayPath } from './paths.js';

export interface CheckResult {
  id: string;
  title: string;
  ok: boolean;
  evidence: string[];
  /** On failure: what to change and what to restart. */
  fix?: string;
}

/** A check that cannot look while Neutron does not answer; the API checks before it say why. */
export function unanswered(id: string, title: string, evidence: string, api: string): CheckResult {
  return {
    id,
    title,
    ok: false,
    evidence: [evidence],
    fix: `cannot tell while the ${api} does not answer: see the checks above`,
  };
}

export interface LogHit {
  file: string;
  line: number;
  text: string;
}

/**
 * Lines of a service's current screen log matching `pattern`, with file and line number;
 * with `since` (the container's latest start), only lines of the process running now.
 */
export function searchLog(logDir: string, service: string, pattern: RegExp, since?: string): LogHit[] {
  const file = currentFile(screenLink(logDir, service));
  if (!file || !fs.existsSync(file)) return [];
  const from = since ? sortableTimestamp(since) : '';
  const hits: LogHit[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const { timestamp, text } = parseLogLine(raw);
      if (from && sortableTimestamp(timestamp) < from) return;
      if (pattern.test(text)) hits.push({ file, line: index + 1, text: text.trim() });
    });
  return hits;
}

export function formatHit(hit: LogHit): string {
  return `${displayPath(hit.file)}:${hit.line}: ${hit.text.length > 300 ? `${hit.text.slice(0, 300)}...` : hit.text}`;
}

export interface CheckContext {
  lab: LoadedLab;
  engine: Engine;
  containers: ContainerInfo[];
  api: string;
  get: (pathname: string) => Promise<{ status: number; body: unknown } | { error: string }>;
  /** Where a setting is changed, for fixes. */
  settingSource: (name: string) => string;
}
type Context = CheckContext;

/** Where a setting is changed: its localrc line, or the variable to add. */
function settingSource(lab: LoadedLab, name: string): string {
  const setting = lab.config.settings[name];
  if (!setting || setting.origin.kind === 'default') return `${name} (not set in localrc: the default is used)`;
  return `${name} at ${formatOrigin(setting.origin)}`;
}

/**
 * Where neutron-server's service_provider lines come from: a post-config section wins
 * over the variable, and lab refuses a variable with no VPN provider before starting.
 */
function providerSource(lab: LoadedLab): string {
  const setting = lab.rendering.vpn.find((s) => s.key === 'service_provider');
  const postConfig = setting?.values.find((v) => v.origin.kind === 'post-config');
  return postConfig
    ? `service_provider at ${formatOrigin(postConfig.origin)}`
    : settingSource(lab, 'NEUTRON_VPNAAS_SERVICE_PROVIDER');
}

export async function runChecks(lab: LoadedLab, engine: Engine): Promise<CheckResult[]> {
  const containers = await engine.listContainers(lab.config.labName);
  const neutron = NeutronClient.forPort(lab.config.qPort, CHECK_BOUND);
  const api = neutron.url;
  const get: Context['get'] = (pathname) =>
    neutron.answer('GET', pathname).catch((error: unknown) => ({ error: (error as Error).message }));
  const ctx: Context = { lab, engine, containers, api, get, settingSource: (name) => settingSource(lab, name) };
  const results: CheckResult[] = [];
  const enabled = lab.config.enabledServices;
  if (enabled.includes('q-svc')) {
    results.push(await serverRuns(ctx));
    results.push(await vpnApi(ctx));
    results.push(await database(ctx));
  }
  if (enabled.includes('q-vpn')) {
    results.push(await agentAlive(ctx));
    results.push(deviceDriverLoaded(ctx));
  }
  if (enabled.includes('q-svc') && enabled.includes('q-vpn')) {
    results.push(await nothingPending(ctx));
    // The data path is looked at in containers that may be failing: a check that cannot look says so.
    for (const [id, datapathCheck] of [
      ['routers', routersHosted],
      ['gateway', gatewaysReachable],
      ['ike', ikeSas],
    ] as const) {
      results.push(
        await datapathCheck(ctx).catch((error: unknown): CheckResult => ({
          id,
          title: `data path: ${id}`,
          ok: false,
          evidence: [(error as Error).message],
          fix: 'see the checks above and lab status',
        })),
      );
    }
  }
  results.push(codeFresh(ctx));
  return results;
}

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

async function serverRuns(ctx: Context): Promise<CheckResult> {
  const logDir = ctx.lab.config.screenLogDir;
  const server = ctx.containers.find((c) => c.service === 'q-svc');
  const title = 'neutron-server (q-svc) runs and answers GET /v2.0/';
  if (server?.state === 'running') {
    const answer = await ctx.get('/v2.0/');
    if ('status' in answer && answer.status === 200)
      return { id: 'server', title, ok: true, evidence: [`GET ${ctx.api}/v2.0/ -> 200`] };
  }
  const hits = (pattern: RegExp) => searchLog(logDir, 'q-svc', pattern, server?.startedAt).slice(-3).map(formatHit);
  const state = server
    ? `q-svc is ${server.state}${server.state === 'exited' ? ` (exit code ${server.exitCode})` : ''}`
    : 'q-svc has no container';
  const noProvider = hits(LOG_PATTERNS.noProvider);
  if (noProvider.length > 0) {
    return {
      id: 'server',
      title,
      ok: false,
      evidence: [state, ...noProvider],
      fix: `no VPN service provider reaches neutron-server: set ${providerSource(ctx.lab)} to e.g. VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default, then lab restart q-svc`,
    };
  }
  const badProvider = hits(LOG_PATTERNS.badProvider);
  if (badProvider.length > 0) {
    return {
      id: 'server',
      title,
      ok: false,
      evidence: [state, ...badProvider],
      fix: `neutron-server refuses the service_provider lines: fix ${settingSource(ctx.lab, 'NEUTRON_VPNAAS_SERVICE_PROVIDER')} (or [service_providers] in [[post-config|$NEUTRON_VPNAAS_CONF]]), then lab restart q-svc`,
    };
  }
  const imports = hits(LOG_PATTERNS.importError);
  if (imports.length > 0) {
    const providers = ctx.lab.config.serviceProviders.map((p) => p.value.driver).join(', ');
    return {
      id: 'server',
      title,
      ok: false,
      evidence: [state, ...imports],
      fix: `neutron-server cannot import a service driver (${providers}): check the class path in ${settingSource(ctx.lab, 'NEUTRON_VPNAAS_SERVICE_PROVIDER')}, and that the package is in an enable_plugin directory; then lab restart q-svc`,
    };
  }
  const db = hits(LOG_PATTERNS.dbError);
  if (db.length > 0)
    return {
      id: 'server',
      title,
      ok: false,
      evidence: [state, ...db],
      fix: `neutron-server cannot use its database: check mysql (lab status), ${settingSource(ctx.lab, 'DATABASE_PASSWORD')}; then lab restart mysql q-svc`,
    };
  return {
    id: 'server',
    title,
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

async function vpnApi(ctx: Context): Promise<CheckResult> {
  const title = 'the VPN API answers (GET /v2.0/vpn/vpnservices)';
  const answer = await ctx.get('/v2.0/vpn/vpnservices');
  if (!('status' in answer))
    return {
      id: 'vpn-api',
      title,
      ok: false,
      evidence: [`GET ${ctx.api}/v2.0/vpn/vpnservices: ${answer.error}`],
      fix: 'neutron-server does not answer: see the check above',
    };
  if (answer.status === 200)
    return { id: 'vpn-api', title, ok: true, evidence: [`GET ${ctx.api}/v2.0/vpn/vpnservices -> 200`] };
  const evidence = [
    `GET ${ctx.api}/v2.0/vpn/vpnservices -> ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
  ];
  if (answer.status === 404) {
    const plugins = ctx.lab.config.servicePluginClasses.value.join(',');
    evidence.push(
      ...searchLog(ctx.lab.config.screenLogDir, 'q-svc', LOG_PATTERNS.noVpnExtension).slice(-1).map(formatHit),
    );
    return {
      id: 'vpn-api',
      title,
      ok: false,
      evidence,
      fix: `every /v2.0/vpn call answers 404 because vpnaas is not in service_plugins ("${plugins}"): write Q_SERVICE_PLUGIN_CLASSES=router,vpnaas in localrc (now ${settingSource(ctx.lab, 'Q_SERVICE_PLUGIN_CLASSES')}), then lab restart q-svc`,
    };
  }
  return {
    id: 'vpn-api',
    title,
    ok: false,
    evidence: [
      ...evidence,
      ...searchLog(ctx.lab.config.screenLogDir, 'q-svc', LOG_PATTERNS.dbError).slice(-2).map(formatHit),
    ],
    fix: 'see lab logs q-svc',
  };
}

async function database(ctx: Context): Promise<CheckResult> {
  const title = 'the database is migrated for neutron and neutron-vpnaas (q-db-sync)';
  const sync = ctx.containers.find((c) => c.service === 'q-db-sync');
  if (!sync)
    return {
      id: 'database',
      title,
      ok: false,
      evidence: ['no q-db-sync container'],
      fix: 'lab stack runs the migrations',
    };
  if (sync.state === 'exited' && sync.exitCode === 0) {
    const heads = searchLog(ctx.lab.config.screenLogDir, 'q-db-sync', /Running upgrade for neutron-vpnaas|^OK$/)
      .slice(-1)
      .map(formatHit);
    return { id: 'database', title, ok: true, evidence: [`q-db-sync exited 0`, ...heads] };
  }
  const hits = searchLog(ctx.lab.config.screenLogDir, 'q-db-sync', LOG_PATTERNS.dbError).slice(-3).map(formatHit);
  return {
    id: 'database',
    title,
    ok: false,
    evidence: [`q-db-sync is ${sync.state} (exit code ${sync.exitCode})`, ...hits],
    fix: `the migrations did not run: check mysql (lab status, lab logs mysql) and ${settingSource(ctx.lab, 'DATABASE_PASSWORD')}; then lab restart q-svc`,
  };
}

async function agentAlive(ctx: Context): Promise<CheckResult> {
  const title = 'the VPN agent (q-vpn) is alive in /v2.0/agents';
  const answer = await ctx.get('/v2.0/agents');
  const agents =
    'status' in answer && answer.status === 200 ? ((answer.body as { agents?: Agent[] }).agents ?? []) : [];
  const vpn = ctx.containers.find((c) => c.service === 'q-vpn');
  // "alive" lasts a while after an agent died: the heartbeat must come from the process running now.
  const alive = aliveSince(agents, 'L3 agent', 'q-vpn', vpn?.startedAt ? Date.parse(vpn.startedAt) : 0);
  if (alive && vpn?.state === 'running')
    return {
      id: 'agent',
      title,
      ok: true,
      evidence: [
        `GET ${ctx.api}/v2.0/agents: L3 agent on q-vpn alive, last heartbeat ${alive.heartbeat_timestamp} UTC`,
      ],
    };
  const agent = findAgent(agents, 'L3 agent', 'q-vpn');
  const broker = searchLog(ctx.lab.config.screenLogDir, 'q-vpn', LOG_PATTERNS.brokerError, vpn?.startedAt)
    .slice(-3)
    .map(formatHit);
  const evidence = [
    agent ? 'L3 agent on q-vpn is registered but not alive' : 'no L3 agent of q-vpn in /v2.0/agents',
    `q-vpn is ${vpn?.state ?? 'missing'}`,
    ...broker,
  ];
  if (broker.length > 0) {
    return {
      id: 'agent',
      title,
      ok: false,
      evidence,
      fix: `the agent cannot reach RabbitMQ, or is refused: check rabbit (lab status) and ${settingSource(ctx.lab, 'RABBIT_USERID')} / ${settingSource(ctx.lab, 'RABBIT_PASSWORD')}; then lab restart rabbit q-svc q-vpn`,
    };
  }
  return {
    id: 'agent',
    title,
    ok: false,
    evidence: [
      ...evidence,
      ...searchLog(ctx.lab.config.screenLogDir, 'q-vpn', /ERROR|CRITICAL/)
        .slice(-3)
        .map(formatHit),
    ],
    fix: 'see lab logs q-vpn; then lab restart q-vpn',
  };
}

function deviceDriverLoaded(ctx: Context): CheckResult {
  const title = 'the VPN agent loaded the configured device driver';
  const logDir = ctx.lab.config.screenLogDir;
  const drivers = ctx.lab.config.deviceDrivers.map((d) => d.value);
  const extensions = agentExtensions(renderedDocument(ctx.lab.rendering, 'l3_agent.ini'));
  const since = ctx.containers.find((c) => c.service === 'q-vpn')?.startedAt;
  const loaded = drivers.map((d) =>
    searchLog(logDir, 'q-vpn', new RegExp(`Loaded VPNaaS device driver: ${d.replace(/\./g, '\\.')}`), since).at(-1),
  );
  if (loaded.every((hit) => hit !== undefined))
    return { id: 'device-driver', title, ok: true, evidence: loaded.map((h) => formatHit(h as LogHit)) };
  const importErrors = searchLog(logDir, 'q-vpn', LOG_PATTERNS.deviceImport, since).slice(-2).map(formatHit);
  if (importErrors.length > 0) {
    return {
      id: 'device-driver',
      title,
      ok: false,
      evidence: importErrors,
      fix: `the agent cannot import the device driver ${drivers.join(', ')}: check the class path in ${settingSource(ctx.lab, 'NEUTRON_VPNAAS_DEVICE_DRIVER')} and that its package is in an enable_plugin directory; then lab restart q-vpn`,
    };
  }
  if (!extensions.vpnaas) {
    return {
      id: 'device-driver',
      title,
      ok: false,
      evidence: [`l3_agent.ini [AGENT] extensions = ${extensions.value || '(empty)'}`],
      fix: 'the agent runs without the vpnaas extension, so no device driver loads: keep vpnaas in [AGENT] extensions (remove the override in [[post-config|$Q_L3_CONF_FILE]]), then lab restart q-vpn',
    };
  }
  return {
    id: 'device-driver',
    title,
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

async function nothingPending(ctx: Context): Promise<CheckResult> {
  const title = 'no VPN resource waits for the agent (PENDING_*)';
  const pending: string[] = [];
  for (const kind of ['vpnservices', 'ipsec-site-connections']) {
    const answer = await ctx.get(`/v2.0/vpn/${kind}`);
    if (!('status' in answer) || answer.status !== 200) {
      return unanswered(
        'pending',
        title,
        `GET ${ctx.api}/v2.0/vpn/${kind}: ${'status' in answer ? answer.status : answer.error}`,
        'VPN API',
      );
    }
    const items = Object.values(answer.body as Record<string, VpnResource[]>)[0] ?? [];
    for (const item of items)
      if (item.status.startsWith('PENDING_')) pending.push(`${kind} ${item.name || item.id}: ${item.status}`);
  }
  if (pending.length === 0) return { id: 'pending', title, ok: true, evidence: ['nothing PENDING_*'] };
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
      id: 'pending',
      title,
      ok: true,
      evidence: [
        ...pending,
        'the driver pair matches: the agent reports status every [ipsec] ipsec_status_check_interval (60 s by default)',
      ],
    };
  }
  return {
    id: 'pending',
    title,
    ok: false,
    evidence: [
      ...pending,
      `service driver ${providers.join(', ')} and device driver ${devices.join(', ')} are not a pair: they use different RPC topics, so no agent ever picks these up`,
    ],
    fix: `make the two drivers a pair: ${settingSource(ctx.lab, 'NEUTRON_VPNAAS_SERVICE_PROVIDER')} and ${settingSource(ctx.lab, 'NEUTRON_VPNAAS_DEVICE_DRIVER')}; then lab restart q-svc q-vpn`,
  };
}

/** Driver code changed after the process that runs it started: the old code still runs. */
function codeFresh(ctx: Context): CheckResult {
  const title = 'the running services run the driver code as it is now';
  const stale: string[] = [];
  for (const plugin of ctx.lab.config.plugins.filter((p) => p.kind === 'directory' && p.directory)) {
    // The lab's own logs and state may sit inside a plugin directory (the example's local.conf does that).
    const newest = newestFile(plugin.directory as string, [ctx.lab.config.screenLogDir, ctx.lab.config.labDir]);
    if (!newest) continue;
    for (const service of ['q-svc', 'q-vpn']) {
      const container = ctx.containers.find((c) => c.service === service && c.state === 'running');
      if (container?.startedAt && newest.mtime > Date.parse(container.startedAt))
        stale.push(`${displayPath(newest.file)} changed after ${service} started (${container.startedAt})`);
    }
  }
  if (stale.length === 0)
    return { id: 'code', title, ok: true, evidence: ['no enable_plugin file changed since q-svc and q-vpn started'] };
  const services = [...new Set(stale.map((s) => /changed after (\S+)/.exec(s)?.[1] ?? ''))].join(' ');
  return { id: 'code', title, ok: false, evidence: stale, fix: `the old code still runs: lab restart ${services}` };
}

function newestFile(dir: string, skip: string[] = []): { file: string; mtime: number } | undefined {
  let newest: { file: string; mtime: number } | undefined;
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (entry.includes('__pycache__')) continue;
    const file = path.join(dir, entry);
    if (skip.some((s) => file === s || file.startsWith(`${path.resolve(s)}${path.sep}`))) continue;
    const stat = fs.statSync(file);
    if (stat.isFile() && (!newest || stat.mtimeMs > newest.mtime)) newest = { file, mtime: stat.mtimeMs };
  }
  return newest;
}
