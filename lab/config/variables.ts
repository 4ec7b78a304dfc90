// The localrc variables lab reads: name, default, meaning. The README's table is checked
// against this list by a test, so the two cannot drift apart.
import { DEFAULT_SERVICES } from './services.js';

export interface VariableSpec {
  name: string;
  /** The default as the README shows it. */
  shownDefault: string;
  description: string;
  secret?: boolean;
  /** A host port lab publishes on 127.0.0.1: no two may be equal. */
  published?: boolean;
  /** A list of words written one per line: a line break between two is a separator, as a space. */
  words?: boolean;
}

export const STRONGSWAN_DEVICE_DRIVER = 'neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver';
export const LIBRESWAN_DEVICE_DRIVER = 'neutron_vpnaas.services.vpn.device_drivers.libreswan_ipsec.LibreSwanDriver';
export const DEFAULT_SERVICE_PROVIDER =
  'VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default';
export const DEVICE_DRIVER_FOR_PACKAGE = {
  strongswan: STRONGSWAN_DEVICE_DRIVER,
  libreswan: LIBRESWAN_DEVICE_DRIVER,
} as const;
export type IpsecPackage = keyof typeof DEVICE_DRIVER_FOR_PACKAGE;

export const VARIABLES: readonly VariableSpec[] = [
  {
    name: 'LAB_NAME',
    shownDefault: 'lab',
    description: 'Names the lab: its containers, network, volumes and the `lab.project` label.',
  },
  {
    name: 'LAB_DIR',
    shownDefault: '$TOP_DIR/.lab/$LAB_NAME',
    description:
      "Where rendered config files, generated passwords and state are kept (TOP_DIR: the localrc's directory).",
  },
  {
    name: 'LAB_BASE_IMAGE',
    shownDefault: 'debian:bookworm-slim',
    description:
      'The image every lab image is built FROM; when the engine has not got it and cannot pull it, lab makes a Debian bookworm base with debootstrap (`lab-base/debian:bookworm`).',
  },
  {
    name: 'ENABLED_SERVICES',
    shownDefault: DEFAULT_SERVICES,
    description:
      'Services to run; `enable_service`, `disable_service`, `disable_all_services` and `ENABLED_SERVICES+=,-x` work as in DevStack; `q-l3` is an alias of `q-vpn`.',
  },
  {
    name: 'SCREEN_LOGDIR',
    shownDefault: './logs',
    description: 'Per-service logs `screen-<svc>.log`, as 2014 DevStack.',
  },
  {
    name: 'LOGFILE',
    shownDefault: '(unset)',
    description: "The run's own log, timestamped, with a symlink to the newest.",
  },
  { name: 'LOGDAYS', shownDefault: '7', description: 'Log files older than this many days are pruned.' },
  { name: 'DATABASE_USER', shownDefault: 'root', description: 'MariaDB user Neutron connects as.' },
  {
    name: 'DATABASE_PASSWORD',
    shownDefault: '(generated)',
    description: 'MariaDB password; generated once per lab when unset.',
    secret: true,
  },
  { name: 'RABBIT_USERID', shownDefault: 'stackrabbit', description: 'RabbitMQ user.' },
  {
    name: 'RABBIT_PASSWORD',
    shownDefault: '(generated)',
    description: 'RabbitMQ password; generated once per lab when unset.',
    secret: true,
  },
  { name: 'Q_PORT', shownDefault: '9696', description: 'Neutron API port, published on 127.0.0.1.', published: true },
  {
    name: 'Q_SERVICE_PLUGIN_CLASSES',
    shownDefault: 'router,vpnaas',
    description: '`[DEFAULT] service_plugins` of neutron.conf; without `vpnaas` every /v2.0/vpn call is a 404.',
  },
  {
    name: 'Q_ML2_PLUGIN_MECHANISM_DRIVERS',
    shownDefault: 'linuxbridge',
    description:
      "ML2 mechanism drivers of neutron-server; linuxbridge binds ports to the Linux bridge agent in q-vpn (lab sets Zed's `[experimental] linuxbridge`).",
  },
  {
    name: 'NEUTRON_VPNAAS_SERVICE_PROVIDER',
    shownDefault: DEFAULT_SERVICE_PROVIDER,
    description:
      'One or several (space-separated) `<service_type>:<name>:<class.Path>[:default]`, written to `[service_providers] service_provider` of neutron_vpnaas.conf, in order.',
    words: true,
  },
  {
    name: 'IPSEC_PACKAGE',
    shownDefault: 'strongswan',
    description: '`strongswan` or `libreswan`; picks the default device driver.',
  },
  {
    name: 'NEUTRON_VPNAAS_DEVICE_DRIVER',
    shownDefault: 'follows IPSEC_PACKAGE',
    description: 'One or several device driver class paths, written to `[vpnagent] vpn_device_driver` of l3_agent.ini.',
    words: true,
  },
  {
    name: 'FIXED_RANGE',
    shownDefault: '10.0.0.0/24',
    description:
      "Neutron's `private-subnet` behind router1 (DevStack's name), and the strongSwan peer's remote traffic selector.",
  },
  {
    name: 'FLOATING_RANGE',
    shownDefault: '172.24.4.0/24',
    description:
      "The lab's public network and Neutron's `public-subnet`: Docker hands out the lower half (the peers sit there), Neutron's allocation pool is the upper half.",
  },
  {
    name: 'PUBLIC_NETWORK_GATEWAY',
    shownDefault: 'first address of FLOATING_RANGE',
    description: "Gateway of `public-subnet`: the host's side of the public Docker network, as DevStack's br-ex.",
  },
  {
    name: 'NETWORK_GATEWAY',
    shownDefault: 'first address of FIXED_RANGE',
    description: "Gateway of `private-subnet`: router1's interface.",
  },
  {
    name: 'NEUTRON_CREATE_INITIAL_NETWORKS',
    shownDefault: 'True',
    description:
      '`lab stack` makes `public`, `private`, their subnets and `router1`, as DevStack; False leaves Neutron empty.',
  },
  {
    name: 'STRONGSWAN_SUBNET',
    shownDefault: '10.2.0.0/24',
    description: 'The subnet the strongSwan peer protects (the remote site).',
  },
  {
    name: 'STRONGSWAN_IP',
    shownDefault: 'tenth address of FLOATING_RANGE (172.24.4.10)',
    description: "The strongSwan peer's address on the public network (FLOATING_RANGE); its IKE id.",
  },
  {
    name: 'STRONGSWAN_PSK',
    shownDefault: '(generated)',
    description: "The peer's pre-shared key; generated once per lab when unset.",
    secret: true,
  },
  {
    name: 'STRONGSWAN_IKE_VERSION',
    shownDefault: '1',
    description: 'IKE version of the peer (1 or 2); 1 matches a Neutron IKE policy with ike_version v1, the default.',
  },
  {
    name: 'STRONGSWAN_IKE_PROPOSALS',
    shownDefault: 'aes128-sha1-modp1536',
    description: "IKE proposals; the default matches Neutron's default IKE policy (aes-128, sha1, group5).",
  },
  {
    name: 'STRONGSWAN_ESP_PROPOSALS',
    shownDefault: 'aes128-sha1-modp1536',
    description: "ESP proposals; the default matches Neutron's default IPsec policy (aes-128, sha1, pfs group5).",
  },
  {
    name: 'CSR_PORT',
    shownDefault: '55443',
    description: "The CSR simulator's HTTPS port, published on 127.0.0.1.",
    published: true,
  },
  { name: 'CSR_USERNAME', shownDefault: 'stack', description: "The CSR simulator's user." },
  {
    name: 'CSR_PASSWORD',
    shownDefault: '(generated)',
    description: "The CSR simulator's password; generated once per lab when unset.",
    secret: true,
  },
  {
    name: 'CSR_TOKEN_LIFETIME',
    shownDefault: '900',
    description:
      "Seconds an idle CSR token lives (the real device: 15 minutes); shorter exercises a driver's re-login.",
  },
  { name: 'ENABLE_DEBUG_LOG_LEVEL', shownDefault: 'True', description: '`debug` in the Neutron config files.' },
];

/** Variables naming config files, for `[[post-config|$FILE]]` headers (values as in DevStack). */
export const FILE_VARIABLES: Readonly<Record<string, string>> = {
  NEUTRON_CONF_DIR: '/etc/neutron',
  NEUTRON_CONF: '/etc/neutron/neutron.conf',
  NEUTRON_VPNAAS_CONF: '/etc/neutron/neutron_vpnaas.conf',
  Q_L3_CONF_FILE: '/etc/neutron/l3_agent.ini',
  Q_PLUGIN_CONF_PATH: 'etc/neutron/plugins/ml2',
  Q_PLUGIN_CONF_FILE: 'etc/neutron/plugins/ml2/ml2_conf.ini',
};

/** Whether a line break in the variable's value only separates words of a list. */
export function isWordList(name: string): boolean {
  return VARIABLES.some((v) => v.name === name && v.words === true);
}

export function isSecretName(name: string): boolean {
  return /PASSWORD|PASSWD|PSK|SECRET|TOKEN/i.test(name);
}
