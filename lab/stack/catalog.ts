// The service catalog (compose/lab.yaml): a Compose-format file, parsed with yaml, checked
// against the subset of keys lab supports (anything else is refused, naming the key), and
// interpolated with ${VAR} from the lab config. Pure apart from reading the file.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { InputError, ProblemList } from '../errors.js';
import type { LabConfig } from '../config/resolve.js';
import { LAB_SERVICES, type ServiceName } from '../config/services.js';
import { SERVICES } from '../services/index.js';
import { packagePath } from '../paths.js';

export const CATALOG_FILE = packagePath('compose', 'lab.yaml');

export type Condition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export type ReadyCheck = { http: string } | { agent: string } | { log: string } | { fail: string };

export interface Mount {
  kind: 'volume' | 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface CatalogService {
  name: string;
  /** The ENABLED_SERVICES name this container belongs to. */
  partOf: ServiceName;
  /** Absolute path of the build context. */
  context: string;
  hostname: string | undefined;
  command: string[] | undefined;
  environment: Record<string, string>;
  mounts: Mount[];
  ports: { hostIp: string; hostPort: number; containerPort: number }[];
  networks: { name: string; aliases: string[]; ipv4Address?: string }[];
  /**
   * Compose's `network_mode: service:NAME`: the service whose network namespace this one
   * shares (q-vpn's L3 agent works in q-agt's, where Open vSwitch or the bridges are).
   */
  networkOf: string | undefined;
  /** The host name its processes see (and its agents report): its own, or that of the service whose namespace it shares. */
  seenHostname: string | undefined;
  dependsOn: { service: string; condition: Condition }[];
  healthcheck:
    { test: string[]; intervalMs: number; timeoutMs: number; retries: number; startPeriodMs: number } | undefined;
  capAdd: string[];
  securityOpt: string[];
  devices: string[];
  /** Bound on the time from container start to ready. */
  timeoutMs: number;
  ready: ReadyCheck[];
  /** Runs to completion (something depends on it with service_completed_successfully). */
  oneShot: boolean;
  /** Gets the developer's `enable_plugin` directories, read-only and on its Python path. */
  plugins: boolean;
  /** Docker's restart policy (Compose's `restart`): what the engine does when it exits. */
  restart: RestartPolicy;
  /** Compose's `mem_limit`, in bytes: a runaway is stopped there, not at the host's end. */
  memLimitBytes: number | undefined;
}

export const RESTART_POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export interface NetworkIpam {
  subnet: string;
  /** Where Docker hands out container addresses, when not the whole subnet. */
  ipRange?: string;
  gateway?: string;
}

export interface Catalog {
  file: string;
  networks: string[];
  /** Fixed addressing per network that has one (ipam.config[0]). */
  ipam: Record<string, NetworkIpam>;
  volumes: string[];
  services: CatalogService[];
}

const TOP_KEYS = new Set(['services', 'networks', 'volumes']);
const SERVICE_KEYS = new Set([
  'build',
  'hostname',
  'command',
  'environment',
  'volumes',
  'ports',
  'networks',
  'network_mode',
  'depends_on',
  'healthcheck',
  'cap_add',
  'security_opt',
  'devices',
  'restart',
  'mem_limit',
  'x-lab',
]);
const BUILD_KEYS = new Set(['context']);
const HEALTH_KEYS = new Set(['test', 'interval', 'timeout', 'retries', 'start_period']);
const XLAB_KEYS = new Set(['service', 'timeout', 'ready', 'plugins']);
const CONDITIONS = new Set<Condition>(['service_started', 'service_healthy', 'service_completed_successfully']);

/** The variables `${VAR}` in the catalog may name, from the lab config. */
export function catalogVariables(config: LabConfig): Record<string, string> {
  return {
    LAB_NAME: config.labName,
    LAB_DIR: config.labDir,
    LAB_PACKAGE: packagePath(),
    // The lab's public network, where the peers sit (networks.public in compose/lab.yaml).
    FLOATING_RANGE: config.peers.floatingRange,
    PUBLIC_DOCKER_RANGE: config.networks.dockerPublicRange,
    PUBLIC_NETWORK_GATEWAY: config.networks.publicGateway,
    // Every service's, enabled or not: the whole catalog is read.
    ...Object.assign({}, ...SERVICES.map((s) => s.catalogVariables?.(config) ?? {})),
  };
}

export function loadCatalog(variables: Record<string, string>, file = CATALOG_FILE): Catalog {
  return parseCatalog(fs.readFileSync(file, 'utf8'), variables, file);
}

export function parseCatalog(text: string, variables: Record<string, string>, file: string): Catalog {
  const display = path.relative(process.cwd(), file).startsWith('..')
    ? file
    : path.relative(process.cwd(), file) || file;
  const problems = new ProblemList();
  const document = YAML.parseDocument(text);
  if (document.errors.length > 0) {
    throw new InputError(
      document.errors.map((e) => ({ where: `${display} line ${e.linePos?.[0].line ?? '?'}`, message: e.message })),
    );
  }
  const raw = interpolate(document.toJS() as unknown, variables, display, '', problems);
  problems.throwIfAny();
  const top = asMap(raw, display, '', problems);
  rejectUnknown(top, TOP_KEYS, display, '', problems);
  const networkMap = asMap(top.networks ?? {}, display, 'networks', problems);
  const networks = Object.keys(networkMap);
  const ipam = readIpam(networkMap, display, problems);
  const volumes = Object.keys(asMap(top.volumes ?? {}, display, 'volumes', problems));
  const servicesRaw = asMap(top.services ?? {}, display, 'services', problems);
  const baseDir = path.dirname(file);

  const services = Object.entries(servicesRaw).map(([name, value]) =>
    readService(name, asMap(value, display, `services.${name}`, problems), {
      display,
      baseDir,
      networks,
      volumes,
      problems,
    }),
  );
  for (const service of services) {
    for (const dep of service.dependsOn) {
      const target = services.find((s) => s.name === dep.service);
      if (!target)
        problems.add(display, `services.${service.name}.depends_on: no service "${dep.service}" in the catalog`);
      else if (dep.condition === 'service_completed_successfully') target.oneShot = true;
    }
    if (service.networkOf !== undefined) sharedNamespace(service, services, display, problems);
  }
  problems.throwIfAny();
  return { file, networks, ipam, volumes, services };
}

/**
 * A service sharing another's network namespace starts after it (as Compose, which adds
 * the dependency); the other must have networks of its own.
 */
function sharedNamespace(
  service: CatalogService,
  services: readonly CatalogService[],
  display: string,
  problems: ProblemList,
): void {
  const owner = services.find((s) => s.name === service.networkOf);
  const at = `services.${service.name}.network_mode`;
  if (!owner) problems.add(display, `${at}: no service "${service.networkOf}" in the catalog`);
  else if (owner.networkOf !== undefined)
    problems.add(
      display,
      `${at}: ${owner.name} shares ${owner.networkOf}'s network namespace itself; name ${owner.networkOf}`,
    );
  else {
    // Docker gives the joiner the owner's UTS namespace too.
    service.seenHostname = owner.hostname;
    if (!service.dependsOn.some((d) => d.service === owner.name))
      service.dependsOn.push({ service: owner.name, condition: 'service_started' });
  }
}

interface Context {
  display: string;
  baseDir: string;
  networks: string[];
  volumes: string[];
  problems: ProblemList;
}

function readService(name: string, raw: Record<string, unknown>, ctx: Context): CatalogService {
  const at = `services.${name}`;
  const { display, problems } = ctx;
  rejectUnknown(raw, SERVICE_KEYS, display, at, problems);
  const build = asMap(raw.build ?? {}, display, `${at}.build`, problems);
  rejectUnknown(build, BUILD_KEYS, display, `${at}.build`, problems);
  if (typeof build.context !== 'string')
    problems.add(display, `${at}.build.context: every service is built locally; give its build context directory`);
  const xlab = asMap(raw['x-lab'] ?? {}, display, `${at}.x-lab`, problems);
  rejectUnknown(xlab, XLAB_KEYS, display, `${at}.x-lab`, problems);
  const partOf = String(xlab.service ?? '');
  if (!(LAB_SERVICES as readonly string[]).includes(partOf))
    problems.add(display, `${at}.x-lab.service: "${partOf}" is not a lab service (${LAB_SERVICES.join(', ')})`);

  return {
    name,
    partOf: partOf as ServiceName,
    context: path.resolve(ctx.baseDir, String(build.context ?? '.')),
    hostname: raw.hostname === undefined ? undefined : String(raw.hostname),
    command: raw.command === undefined ? undefined : stringList(raw.command, display, `${at}.command`, problems),
    environment: Object.fromEntries(
      Object.entries(asMap(raw.environment ?? {}, display, `${at}.environment`, problems)).map(([k, v]) => [
        k,
        String(v),
      ]),
    ),
    mounts: stringList(raw.volumes ?? [], display, `${at}.volumes`, problems).map((spec) =>
      parseMount(spec, ctx, `${at}.volumes`),
    ),
    ports: stringList(raw.ports ?? [], display, `${at}.ports`, problems).map((spec) =>
      parsePort(spec, ctx, `${at}.ports`),
    ),
    networks: readNetworks(raw.networks ?? [], ctx, `${at}.networks`),
    networkOf: readNetworkMode(raw, ctx, at),
    seenHostname: raw.hostname === undefined ? undefined : String(raw.hostname),
    dependsOn: Object.entries(asMap(raw.depends_on ?? {}, display, `${at}.depends_on`, problems)).map(
      ([service, value]) => {
        const condition = asMap(value, display, `${at}.depends_on.${service}`, problems).condition as Condition;
        if (!CONDITIONS.has(condition))
          problems.add(
            display,
            `${at}.depends_on.${service}.condition: "${String(condition)}" is not one of ${[...CONDITIONS].join(', ')}`,
          );
        return { service, condition };
      },
    ),
    healthcheck:
      raw.healthcheck === undefined
        ? undefined
        : readHealthcheck(asMap(raw.healthcheck, display, `${at}.healthcheck`, problems), ctx, `${at}.healthcheck`),
    capAdd: stringList(raw.cap_add ?? [], display, `${at}.cap_add`, problems),
    securityOpt: stringList(raw.security_opt ?? [], display, `${at}.security_opt`, problems),
    devices: stringList(raw.devices ?? [], display, `${at}.devices`, problems),
    timeoutMs: duration(xlab.timeout ?? 120, ctx, `${at}.x-lab.timeout`, 's'),
    ready: readReady(xlab.ready ?? [], ctx, `${at}.x-lab.ready`),
    oneShot: false,
    plugins: xlab.plugins === true,
    restart: restartPolicy(raw.restart ?? 'no', ctx, `${at}.restart`),
    memLimitBytes: raw.mem_limit === undefined ? undefined : byteSize(raw.mem_limit, ctx, `${at}.mem_limit`),
  };
}

/** `network_mode: service:NAME` only: every other mode would leave the lab's own networks. */
function readNetworkMode(raw: Record<string, unknown>, ctx: Context, at: string): string | undefined {
  if (raw.network_mode === undefined) return undefined;
  const match = /^service:([a-z0-9][a-z0-9_.-]*)$/.exec(String(raw.network_mode));
  if (!match) {
    ctx.problems.add(
      ctx.display,
      `${at}.network_mode: "${String(raw.network_mode)}" is not supported; lab takes only service:<name> (share that service's network namespace)`,
    );
    return undefined;
  }
  for (const key of ['networks', 'ports', 'hostname'])
    if (raw[key] !== undefined)
      ctx.problems.add(
        ctx.display,
        `${at}.${key}: a service with network_mode ${String(raw.network_mode)} has that service's ${key === 'ports' ? 'published ports' : key}; move it there`,
      );
  return match[1];
}

function restartPolicy(raw: unknown, ctx: Context, at: string): RestartPolicy {
  if ((RESTART_POLICIES as readonly unknown[]).includes(raw)) return raw as RestartPolicy;
  ctx.problems.add(ctx.display, `${at}: "${String(raw)}" is not a restart policy (${RESTART_POLICIES.join(', ')})`);
  return 'no';
}

/** Compose's byte sizes: 512m, 2g, 64k, or a plain number of bytes. */
function byteSize(raw: unknown, ctx: Context, at: string): number | undefined {
  const match = /^(\d+)([bkmg]?)$/i.exec(String(raw));
  if (!match) {
    ctx.problems.add(ctx.display, `${at}: "${String(raw)}" is not a size like 256m or 2g`);
    return undefined;
  }
  const factor = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    (match[2] ?? '').toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'
  ];
  return Number(match[1]) * factor;
}

/** Top-level networks: {} or {ipam: {config: [{subnet: CIDR, ip_range?: CIDR, gateway?: IP}]}}. */
function readIpam(
  networks: Record<string, unknown>,
  display: string,
  problems: ProblemList,
): Record<string, NetworkIpam> {
  const result: Record<string, NetworkIpam> = {};
  for (const [name, value] of Object.entries(networks)) {
    const options = asMap(value ?? {}, display, `networks.${name}`, problems);
    rejectUnknown(options, new Set(['ipam']), display, `networks.${name}`, problems);
    if (options.ipam === undefined) continue;
    const ipam = asMap(options.ipam, display, `networks.${name}.ipam`, problems);
    rejectUnknown(ipam, new Set(['config']), display, `networks.${name}.ipam`, problems);
    const [first] = Array.isArray(ipam.config) ? (ipam.config as unknown[]) : [];
    const where = `networks.${name}.ipam.config[0]`;
    const config = asMap(first ?? {}, display, where, problems);
    rejectUnknown(config, new Set(['subnet', 'ip_range', 'gateway']), display, where, problems);
    if (typeof config.subnet !== 'string') {
      problems.add(display, `networks.${name}.ipam.config: give one entry with a subnet`);
      continue;
    }
    result[name] = {
      subnet: config.subnet,
      ...(typeof config.ip_range === 'string' ? { ipRange: config.ip_range } : {}),
      ...(typeof config.gateway === 'string' ? { gateway: config.gateway } : {}),
    };
  }
  return result;
}

function readHealthcheck(raw: Record<string, unknown>, ctx: Context, at: string): CatalogService['healthcheck'] {
  rejectUnknown(raw, HEALTH_KEYS, ctx.display, at, ctx.problems);
  const test = stringList(raw.test ?? [], ctx.display, `${at}.test`, ctx.problems);
  if (test[0] !== 'CMD' && test[0] !== 'CMD-SHELL')
    ctx.problems.add(ctx.display, `${at}.test: start with "CMD" or "CMD-SHELL"`);
  return {
    test,
    intervalMs: duration(raw.interval ?? '5s', ctx, `${at}.interval`),
    timeoutMs: duration(raw.timeout ?? '30s', ctx, `${at}.timeout`),
    retries: Number(raw.retries ?? 3),
    startPeriodMs: duration(raw.start_period ?? '0s', ctx, `${at}.start_period`),
  };
}

function readReady(raw: unknown, ctx: Context, at: string): ReadyCheck[] {
  if (!Array.isArray(raw)) {
    ctx.problems.add(ctx.display, `${at}: a list of checks ({http: URL}, {agent: TYPE}, {log: TEXT}, {fail: TEXT})`);
    return [];
  }
  return raw.flatMap((item, i): ReadyCheck[] => {
    const check = asMap(item, ctx.display, `${at}[${i}]`, ctx.problems);
    const [kind, value] = Object.entries(check)[0] ?? [];
    if (
      Object.keys(check).length === 1 &&
      typeof value === 'string' &&
      (kind === 'http' || kind === 'agent' || kind === 'log' || kind === 'fail')
    )
      return [{ [kind]: value } as ReadyCheck];
    ctx.problems.add(ctx.display, `${at}[${i}]: lab knows the checks http, agent, log and fail, each with one string`);
    return [];
  });
}

function readNetworks(
  raw: unknown,
  ctx: Context,
  at: string,
): { name: string; aliases: string[]; ipv4Address?: string }[] {
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((n) => [String(n), {}])
    : Object.entries(asMap(raw, ctx.display, at, ctx.problems));
  return entries.map(([name, value]) => {
    if (!ctx.networks.includes(name))
      ctx.problems.add(ctx.display, `${at}: "${name}" is not declared under the top-level networks`);
    const options = asMap(value ?? {}, ctx.display, `${at}.${name}`, ctx.problems);
    rejectUnknown(options, new Set(['aliases', 'ipv4_address']), ctx.display, `${at}.${name}`, ctx.problems);
    const aliases = stringList(options.aliases ?? [], ctx.display, `${at}.${name}.aliases`, ctx.problems);
    return typeof options.ipv4_address === 'string'
      ? { name, aliases, ipv4Address: options.ipv4_address }
      : { name, aliases };
  });
}

function parseMount(spec: string, ctx: Context, at: string): Mount {
  const [source = '', target = '', mode, ...rest] = spec.split(':');
  if (target === '' || rest.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    ctx.problems.add(ctx.display, `${at}: "${spec}" is not SOURCE:TARGET[:ro|rw]`);
  }
  const bind = source.startsWith('/') || source.startsWith('.');
  if (!bind && !ctx.volumes.includes(source))
    ctx.problems.add(ctx.display, `${at}: the volume "${source}" is not declared under the top-level volumes`);
  return {
    kind: bind ? 'bind' : 'volume',
    source: bind ? path.resolve(ctx.baseDir, source) : source,
    target,
    readOnly: mode === 'ro',
  };
}

function parsePort(
  spec: string,
  ctx: Context,
  at: string,
): { hostIp: string; hostPort: number; containerPort: number } {
  const match = /^(\d+\.\d+\.\d+\.\d+):(\d+):(\d+)$/.exec(spec);
  if (!match) {
    ctx.problems.add(ctx.display, `${at}: "${spec}" must be HOST_IP:HOST_PORT:CONTAINER_PORT`);
    return { hostIp: '127.0.0.1', hostPort: 0, containerPort: 0 };
  }
  // Services publish on loopback only: nothing of the lab is reachable from elsewhere.
  if (match[1] !== '127.0.0.1')
    ctx.problems.add(ctx.display, `${at}: "${spec}" publishes on ${match[1]}; lab publishes on 127.0.0.1 only`);
  return { hostIp: match[1] ?? '127.0.0.1', hostPort: Number(match[2]), containerPort: Number(match[3]) };
}

function duration(raw: unknown, ctx: Context, at: string, bareUnit: 's' | 'ms' = 's'): number {
  if (typeof raw === 'number') return bareUnit === 's' ? raw * 1000 : raw;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(raw));
  if (!match) {
    ctx.problems.add(ctx.display, `${at}: "${String(raw)}" is not a duration like 500ms, 5s or 2m`);
    return 0;
  }
  const factor = { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  return Number(match[1]) * factor;
}

/** ${VAR} from the lab config, $$ for a literal $; an unknown variable is an error. */
function interpolate(
  value: unknown,
  variables: Record<string, string>,
  display: string,
  at: string,
  problems: ProblemList,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      if (bare !== undefined) {
        problems.add(display, `${at}: write \${${name}} (or $$ for a literal $), not $${name}`);
        return match;
      }
      const found = variables[name];
      if (found === undefined) {
        problems.add(display, `${at}: \${${name}} is not a lab variable (${Object.keys(variables).sort().join(', ')})`);
        return match;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, variables, display, `${at}[${i}]`, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        interpolate(v, variables, display, at === '' ? k : `${at}.${k}`, problems),
      ]),
    );
  }
  return value;
}

function asMap(value: unknown, display: string, at: string, problems: ProblemList): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.add(display, `${at || 'the file'}: expected a mapping`);
  return {};
}

function stringList(value: unknown, display: string, at: string, problems: ProblemList): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
    return value.map(String);
  problems.add(display, `${at}: expected a list of strings`);
  return [];
}

function rejectUnknown(
  map: Record<string, unknown>,
  known: Set<string>,
  display: string,
  at: string,
  problems: ProblemList,
): void {
  for (const key of Object.keys(map)) {
    if (!known.has(key))
      problems.add(
        display,
        `${at ? `${at}.` : ''}${key}: lab does not support the Compose key "${key}" here (supported: ${[...known].join(', ')})`,
      );
  }
}
