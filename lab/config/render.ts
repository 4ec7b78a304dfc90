// Renders the Neutron config files from a lab config, as DevStack's lib/neutron and the
// neutron-vpnaas plugin would write them, then merges the local.conf post-config sections
// with DevStack's rules. Pure: returns documents; lab/config/labdir.ts writes them.
import { InputError, type Problem } from '../errors.js';
import { CONFIG_FILES, type ConfigFileId, type ConfigFileSpec } from './files.js';
import { groupEntries, IniDocument, type OptionValue } from './ini.js';
import { formatOrigin, isExplicit, placeOf, type Origin } from './origin.js';
import { DEFAULT_SERVICE_PROVIDER } from './drivers.js';
import type { LabConfig } from './resolve.js';
import { agentExtensions, deviceDriverProblem, duplicateDefaults, hasVpnPlugin, parseServiceProvider } from './vpn.js';

export interface RenderedFile {
  spec: ConfigFileSpec;
  document: IniDocument;
}

/** One VPN-relevant option as it ends up, where it came from, and what it replaced. */
export interface VpnSetting {
  title: string;
  file: ConfigFileId;
  section: string;
  key: string;
  values: OptionValue[];
  replaced: OptionValue[];
  note?: string;
}

export interface Rendering {
  files: RenderedFile[];
  vpn: VpnSetting[];
  warnings: Problem[];
}

const HEADER = [
  '# Rendered by lab from the localrc settings and local.conf post-config sections.',
  '# Edit those, not this file: `lab config` shows the result, `lab restart` applies it.',
];

/** The broker and database as the containers reach them on the lab's network. */
export const RABBIT_HOST = 'rabbit';
export const DATABASE_HOST = 'mysql';
/** In the neutron image (compose/neutron): strongswan.conf for the routers' charon. */
export const STRONGSWAN_CONFIG_TEMPLATE = '/etc/neutron/lab/strongswan.conf.template';

export function renderConfig(config: LabConfig): Rendering {
  const docs = baseDocuments(config);
  const warnings: Problem[] = [];
  for (const block of config.postConfig) {
    const doc = docs.get(block.fileId);
    if (!doc) continue;
    for (const group of groupEntries(block.entries)) {
      const values = group.entries.map((e): OptionValue => ({
        value: e.value,
        origin: postConfigOrigin(config, block.header, e.line),
      }));
      if (values.length === 1 && values[0]) doc.set(group.section, group.key, values[0].value, values[0].origin);
      else doc.setMulti(group.section, group.key, values);
    }
  }
  const servicePluginsNote = applyServicePluginsRule(config, docs.get('neutron.conf') as IniDocument);
  const vpn = vpnSettings(docs, servicePluginsNote);
  validateDrivers(docs);
  warnings.push(...misplacedOptions(docs), ...missingPieces(vpn, docs.get('l3_agent.ini') as IniDocument));
  return { files: CONFIG_FILES.map((spec) => ({ spec, document: docs.get(spec.id) as IniDocument })), vpn, warnings };
}

/** One rendered file's document, e.g. l3_agent.ini's. */
export function renderedDocument(rendering: Rendering, id: ConfigFileId): IniDocument {
  return rendering.files.find((f) => f.spec.id === id)?.document as IniDocument;
}

function postConfigOrigin(config: LabConfig, header: string, line: number): Origin {
  return { kind: 'post-config', file: config.source.localConf ?? 'local.conf', line, header };
}

const lab = (note: string): Origin => ({ kind: 'lab', note });

function settingOf(config: LabConfig): (name: string) => Origin {
  return (name) => config.settings[name]?.origin ?? { kind: 'default' };
}

const ROOT_HELPER = 'sudo neutron-rootwrap /etc/neutron/rootwrap.conf';
const ROOT_HELPER_DAEMON = 'sudo neutron-rootwrap-daemon /etc/neutron/rootwrap.conf';
const ROOT_HELPER_DAEMON_WHY = "as DevStack's Q_USE_ROOTWRAP_DAEMON: one rootwrap process, not one per command";

function baseDocuments(config: LabConfig): Map<ConfigFileId, IniDocument> {
  return new Map([
    ['neutron.conf', neutronDocument(config)],
    ['neutron_vpnaas.conf', vpnaasDocument(config)],
    ['ml2_conf.ini', ml2Document(config)],
    ['l3_agent.ini', l3Document(config)],
  ]);
}

function neutronDocument(config: LabConfig): IniDocument {
  const setting = settingOf(config);
  const debug = config.debug ? 'True' : 'False';
  // URL-encoded: oslo.messaging and SQLAlchemy decode them, and no "$" is left for
  // oslo.config, which reads `$name` in a value as another option (`$$` is a "$").
  const credentials = (user: string, password: string) => `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  const neutron = new IniDocument(HEADER);
  neutron.append('DEFAULT', 'debug', debug, setting('ENABLE_DEBUG_LOG_LEVEL'));
  neutron.append('DEFAULT', 'bind_host', '0.0.0.0', lab('reachable on the lab network; published on 127.0.0.1 only'));
  neutron.append('DEFAULT', 'bind_port', String(config.qPort), setting('Q_PORT'));
  neutron.append('DEFAULT', 'core_plugin', 'ml2', lab('ML2, as DevStack'));
  neutron.append(
    'DEFAULT',
    'service_plugins',
    config.servicePluginClasses.value.join(','),
    config.servicePluginClasses.origin,
  );
  neutron.append('DEFAULT', 'auth_strategy', 'noauth', lab('no Keystone in the lab'));
  neutron.append(
    'DEFAULT',
    'transport_url',
    `rabbit://${credentials(config.rabbitUser, config.rabbitPassword)}@${RABBIT_HOST}:5672/`,
    lab('RABBIT_USERID, RABBIT_PASSWORD'),
  );
  neutron.append('DEFAULT', 'control_exchange', 'neutron', lab('the exchange VPNaaS RPC uses'));
  neutron.append('DEFAULT', 'state_path', '/var/lib/neutron', lab('Debian packaging'));
  neutron.append(
    'database',
    'connection',
    `mysql+pymysql://${credentials(config.databaseUser, config.databasePassword)}@${DATABASE_HOST}/neutron?charset=utf8`,
    lab('DATABASE_USER, DATABASE_PASSWORD'),
  );
  neutron.append('oslo_concurrency', 'lock_path', '$state_path/lock', lab('Debian packaging'));
  // Neutron's default privsep context asks for DAC_READ_SEARCH and SYS_PTRACE too; q-vpn's
  // container is not given them (measured: the agents and both VPN drivers work without).
  neutron.append(
    'privsep',
    'capabilities',
    'CAP_SYS_ADMIN,CAP_NET_ADMIN,CAP_DAC_OVERRIDE',
    lab("what q-vpn's container grants; see the README's q-vpn capabilities"),
  );

  if (config.mechanismDrivers.includes('linuxbridge')) {
    neutron.append(
      'experimental',
      'linuxbridge',
      'True',
      lab('Zed refuses the linuxbridge mechanism driver without it'),
    );
  }

  return neutron;
}

function vpnaasDocument(config: LabConfig): IniDocument {
  const vpnaas = new IniDocument(HEADER);
  vpnaas.setMulti(
    'service_providers',
    'service_provider',
    config.serviceProviders.map((p) => ({ value: providerText(p.value), origin: p.origin })),
  );
  return vpnaas;
}

function ml2Document(config: LabConfig): IniDocument {
  const setting = settingOf(config);
  // One file for the server's ML2 plugin and the L2 agent in q-agt, as DevStack.
  const ml2 = new IniDocument(HEADER);
  ml2.append(
    'ml2',
    'type_drivers',
    'flat,local',
    lab('a flat external network; local tenant networks (one node: no tunnels or VLANs needed)'),
  );
  ml2.append('ml2', 'tenant_network_types', 'local', lab('tenant networks live on bridges inside q-agt'));
  ml2.append('ml2', 'mechanism_drivers', config.mechanismDrivers.join(','), setting('Q_ML2_PLUGIN_MECHANISM_DRIVERS'));
  ml2.append('ml2', 'extension_drivers', 'port_security', lab('as DevStack'));
  ml2.append('ml2_type_flat', 'flat_networks', 'public', lab('the external network of the VPN routers'));
  if (config.ovsDatapath) openvswitchAgent(ml2, config.ovsDatapath);
  else linuxBridgeAgent(ml2);
  ml2.append('securitygroup', 'firewall_driver', 'noop', lab('the lab has no instances to protect'));
  return ml2;
}

function linuxBridgeAgent(ml2: IniDocument): void {
  ml2.append(
    'linux_bridge',
    'bridge_mappings',
    'public:br-public',
    lab("q-agt's bridge holding its port on the lab's public Docker network"),
  );
  ml2.append('vxlan', 'enable_vxlan', 'False', lab('no VXLAN in this kernel'));
}

function openvswitchAgent(ml2: IniDocument, datapath: NonNullable<LabConfig['ovsDatapath']>): void {
  ml2.append('ovs', 'bridge_mappings', 'public:br-ex', lab("br-ex holds q-agt's port on the lab's public network"));
  ml2.append('ovs', 'integration_bridge', 'br-int', lab('as DevStack'));
  ml2.append('ovs', 'datapath_type', datapath.value, datapath.origin);
  ml2.append('agent', 'tunnel_types', '', lab('no tunnels: one node, and no VXLAN in this kernel'));
  ml2.append('agent', 'root_helper', ROOT_HELPER, lab('as DevStack'));
  ml2.append('agent', 'root_helper_daemon', ROOT_HELPER_DAEMON, lab(ROOT_HELPER_DAEMON_WHY));
}

function l3Document(config: LabConfig): IniDocument {
  const setting = settingOf(config);
  const debug = config.debug ? 'True' : 'False';
  const l3 = new IniDocument(HEADER);
  l3.append('DEFAULT', 'debug', debug, setting('ENABLE_DEBUG_LOG_LEVEL'));
  if (config.ovsDatapath) {
    l3.append(
      'DEFAULT',
      'interface_driver',
      'openvswitch',
      lab("the routers' ports on br-int of q-agt's Open vSwitch"),
    );
    l3.append('OVS', 'integration_bridge', 'br-int', lab('as DevStack'));
  } else l3.append('DEFAULT', 'interface_driver', 'linuxbridge', lab("the Linux bridge agent's taps, in q-agt"));
  l3.append('AGENT', 'extensions', 'vpnaas', lab('the VPN agent is the L3 agent with the vpnaas extension'));
  // The strongSwan driver hands the rootwrap config to its namespace wrapper only when
  // root_helper names one; with plain sudo every ipsec command fails on an empty argument.
  l3.append('AGENT', 'root_helper', ROOT_HELPER, lab('as DevStack; the VPN namespace wrapper needs it'));
  // Measured on 2025.1 only so far (the VPN driver's sync: 15.8 s without, 11.1 s with).
  if (config.ovsDatapath) l3.append('AGENT', 'root_helper_daemon', ROOT_HELPER_DAEMON, lab(ROOT_HELPER_DAEMON_WHY));
  l3.setMulti(
    'vpnagent',
    'vpn_device_driver',
    config.deviceDrivers.map((d) => ({ value: d.value, origin: d.origin })),
  );
  l3.append(
    'strongswan',
    'strongswan_config_template',
    STRONGSWAN_CONFIG_TEMPLATE,
    lab('charon with userspace ESP (kernel-libipsec): this kernel has no ESP'),
  );
  return l3;
}

function providerText(p: { serviceType: string; name: string; driver: string; isDefault: boolean }): string {
  return `${p.serviceType}:${p.name}:${p.driver}${p.isDefault ? ':default' : ''}`;
}

/**
 * service_plugins precedence. DevStack writes Q_SERVICE_PLUGIN_CLASSES after the
 * post-config merge, so a post-config service_plugins line is silently lost. lab keeps
 * DevStack's order when the localrc (or environment) sets Q_SERVICE_PLUGIN_CLASSES, but
 * lets a post-config line win over the *default*, and says which one won either way.
 */
function applyServicePluginsRule(config: LabConfig, neutron: IniDocument): string | undefined {
  const current = neutron.get('DEFAULT', 'service_plugins');
  if (!current || current.origin.kind !== 'post-config') return undefined;
  const variable = config.servicePluginClasses;
  if (isExplicit(variable.origin)) {
    neutron.set('DEFAULT', 'service_plugins', variable.value.join(','), variable.origin);
    return `Q_SERVICE_PLUGIN_CLASSES (${formatOrigin(variable.origin)}) wins over service_plugins at ${formatOrigin(current.origin)}, as in DevStack`;
  }
  return `service_plugins at ${formatOrigin(current.origin)} wins over the default Q_SERVICE_PLUGIN_CLASSES (set Q_SERVICE_PLUGIN_CLASSES in localrc to override it)`;
}

function vpnSettings(docs: Map<ConfigFileId, IniDocument>, servicePluginsNote: string | undefined): VpnSetting[] {
  const one = (title: string, file: ConfigFileId, section: string, key: string, note?: string): VpnSetting => {
    const doc = docs.get(file) as IniDocument;
    const replaced = doc.history
      .filter((h) => h.section.toLowerCase() === section.toLowerCase() && h.key === key)
      .flatMap((h) => h.replaced);
    const values = doc.lookup(section, key).map(({ value, origin }) => ({ value, origin }));
    return {
      title,
      file,
      section,
      key,
      values,
      replaced: replaced.filter((r) => !values.some((v) => v.value === r.value && v.origin === r.origin)),
      ...(note ? { note } : {}),
    };
  };
  return [
    one('VPN service plugin (neutron-server)', 'neutron.conf', 'DEFAULT', 'service_plugins', servicePluginsNote),
    one('VPN service driver (neutron-server)', 'neutron_vpnaas.conf', 'service_providers', 'service_provider'),
    one('VPN agent extension (q-vpn)', 'l3_agent.ini', 'AGENT', 'extensions'),
    one('VPN device driver (q-vpn)', 'l3_agent.ini', 'vpnagent', 'vpn_device_driver'),
  ];
}

/** Post-config values are checked like the variables: a malformed one would stop a service. */
function validateDrivers(docs: Map<ConfigFileId, IniDocument>): void {
  const problems: Problem[] = [];
  const where = (origin: Origin): string =>
    origin.kind === 'localrc' || origin.kind === 'post-config'
      ? `${origin.file} line ${origin.line}`
      : formatOrigin(origin);
  const providers: { provider: ReturnType<typeof parseServiceProvider>; origin: Origin }[] = [];
  for (const spec of CONFIG_FILES.filter((f) => f.services.includes('q-svc'))) {
    for (const { value, origin } of (docs.get(spec.id) as IniDocument).lookup(
      'service_providers',
      'service_provider',
    )) {
      providers.push({ provider: parseServiceProvider(value), origin });
    }
  }
  for (const { provider, origin } of providers) {
    if (typeof provider === 'string' && origin.kind === 'post-config')
      problems.push({ where: where(origin), message: `service_provider: ${provider}` });
  }
  const valid = providers.flatMap((p) =>
    typeof p.provider === 'string' ? [] : [{ provider: p.provider, where: p.origin }],
  );
  const fromPostConfig = valid.some((p) => p.where.kind === 'post-config');
  for (const clash of duplicateDefaults(valid)) {
    if (!fromPostConfig) continue; // the variable alone was checked when it was resolved
    problems.push({
      where: clash.wheres.map(where).join(' and '),
      message: `${clash.providers.length} ${clash.serviceType} providers are marked default (${clash.providers.map((p) => p.name).join(', ')}); neutron-server refuses to start: keep ":default" on one of them`,
    });
  }
  if (valid.length > 0 && !fromPostConfig && !valid.some((p) => p.provider.serviceType === 'VPN'))
    problems.push(noVpnProvider(valid[0]?.where));
  for (const spec of CONFIG_FILES.filter((f) => f.services.includes('q-vpn'))) {
    for (const { value, origin } of (docs.get(spec.id) as IniDocument).lookup('vpnagent', 'vpn_device_driver')) {
      const problem = origin.kind === 'post-config' ? deviceDriverProblem(value) : undefined;
      if (problem) problems.push({ where: where(origin), message: `vpn_device_driver: ${problem}` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * Without a VPN provider neutron-server exits at start. Refused when the variable made
 * the list; a post-config list is the user's own (a lab may run one to see the failure):
 * missingPieces warns about that one.
 */
function noVpnProvider(origin: Origin | undefined): Problem {
  return {
    where: placeOf(origin, 'NEUTRON_VPNAAS_SERVICE_PROVIDER'),
    message: `NEUTRON_VPNAAS_SERVICE_PROVIDER has no VPN provider: neutron-server would exit with "No providers specified for 'VPN' service"; add one, e.g. NEUTRON_VPNAAS_SERVICE_PROVIDER="${DEFAULT_SERVICE_PROVIDER}"`,
  };
}

/** An option in a file the process that needs it is not started with does nothing. */
function misplacedOptions(docs: Map<ConfigFileId, IniDocument>): Problem[] {
  const warnings: Problem[] = [];
  const check = (section: string, key: string, service: 'q-svc' | 'q-vpn', advice: string) => {
    for (const spec of CONFIG_FILES.filter((f) => !f.services.includes(service))) {
      for (const { origin } of (docs.get(spec.id) as IniDocument).lookup(section, key)) {
        if (origin.kind !== 'post-config') continue;
        warnings.push({
          where: `${origin.file} line ${origin.line}`,
          message: `${key} in ${spec.id} has no effect: ${service} is not started with ${spec.id}; ${advice}`,
        });
      }
    }
  };
  check('vpnagent', 'vpn_device_driver', 'q-vpn', 'put it under [[post-config|$Q_L3_CONF_FILE]] [vpnagent]');
  check(
    'service_providers',
    'service_provider',
    'q-svc',
    'put it under [[post-config|$NEUTRON_VPNAAS_CONF]] [service_providers]',
  );
  return warnings;
}

function missingPieces(vpn: VpnSetting[], l3Agent: IniDocument): Problem[] {
  const warnings: Problem[] = [];
  const [plugins, providers, , drivers] = vpn;
  const pluginList = (plugins?.values.at(-1)?.value ?? '').split(',').map((s) => s.trim());
  if (!hasVpnPlugin(pluginList)) {
    warnings.push({
      where: 'neutron.conf [DEFAULT] service_plugins',
      message: `"${pluginList.join(',')}" has no vpnaas: every /v2.0/vpn request will answer 404; add vpnaas to Q_SERVICE_PLUGIN_CLASSES (e.g. Q_SERVICE_PLUGIN_CLASSES=router,vpnaas)`,
    });
  }
  if ((providers?.values ?? []).every((v) => !v.value.startsWith('VPN:'))) {
    warnings.push({
      where: 'neutron_vpnaas.conf [service_providers]',
      message: 'no VPN service_provider: neutron-server will exit with "No providers specified for \'VPN\' service"',
    });
  }
  const extensions = agentExtensions(l3Agent);
  if (!extensions.vpnaas) {
    warnings.push({
      where: 'l3_agent.ini [AGENT] extensions',
      message: `"${extensions.names.join(',')}" has no vpnaas: the agent runs but loads no VPN device driver; keep vpnaas in [AGENT] extensions`,
    });
  }
  if ((drivers?.values ?? []).length === 0) {
    warnings.push({
      where: 'l3_agent.ini [vpnagent]',
      message: 'no vpn_device_driver: the VPN agent has nothing to configure; set NEUTRON_VPNAAS_DEVICE_DRIVER',
    });
  }
  return warnings;
}
