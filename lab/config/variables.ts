// The localrc variables lab reads: name, default, meaning. The README's table is checked
// against this list by a test, so the two cannot drift apart.
import { SERVICES } from '../services/index.js';
import { DEFAULT_SERVICES } from './services.js';
import { DEFAULT_RELEASE, releaseNames } from './release.js';

export interface VariableSpec {
  name: string;
  /** The value used when the localrc leaves it unset, where that is one fixed value. */
  default?: string;
  /** The default as the README shows it, where it is not one fixed value (derived, generated, unset). */
  shownDefault?: string;
  description: string;
  secret?: boolean;
  /** A host port lab publishes on 127.0.0.1: no two may be equal. */
  published?: boolean;
  /** A list of words written one per line: a line break between two is a separator, as a space. */
  words?: boolean;
}

/** Variables of the lab as a whole; each service's own are in its file in lab/services/. */
const LAB_VARIABLES: readonly VariableSpec[] = [
  {
    name: 'LAB_NAME',
    default: 'lab',
    description: 'Names the lab: its containers, network, volumes and the `lab.project` label.',
  },
  {
    name: 'LAB_DIR',
    shownDefault: '$TOP_DIR/.lab/$LAB_NAME',
    description:
      "Where rendered config files, generated passwords and state are kept (TOP_DIR: the localrc's directory).",
  },
  {
    name: 'OPENSTACK_RELEASE',
    default: DEFAULT_RELEASE,
    description: `The OpenStack release, from its Debian suite's packages: ${releaseNames()} (the README's release table). DevStack's \`NEUTRON_BRANCH=stable/<release>\` (or \`master\`, the newest lab runs) chooses it too.`,
  },
  {
    name: 'NEUTRON_BRANCH',
    shownDefault: '(unset)',
    description:
      "DevStack's branch of Neutron: `stable/<release>`, `unmaintained/<release>`, `<release>-eol` or `master`; read as OPENSTACK_RELEASE when that is unset.",
  },
  {
    name: 'LAB_BASE_IMAGE',
    shownDefault: 'debian:<suite>-slim of the release',
    description:
      "The image every lab image is built FROM, of the release's Debian suite; when the engine has not got it and cannot pull it, lab makes one with debootstrap (`lab-base/debian:<suite>`, e.g. `lab-base/debian:trixie`).",
  },
  {
    name: 'ENABLED_SERVICES',
    shownDefault: DEFAULT_SERVICES,
    description:
      'Services to run; `enable_service`, `disable_service`, `disable_all_services` and `ENABLED_SERVICES+=,-x` work as in DevStack; `q-l3` is an alias of `q-vpn`.',
  },
  {
    name: 'SCREEN_LOGDIR',
    default: './logs',
    description: 'Per-service logs `screen-<svc>.log`, as 2014 DevStack.',
  },
  {
    name: 'LOGFILE',
    shownDefault: '(unset)',
    description: "The run's own log, timestamped, with a symlink to the newest.",
  },
  { name: 'LOGDAYS', default: '7', description: 'Log files older than this many days are pruned.' },
  { name: 'ENABLE_DEBUG_LOG_LEVEL', default: 'True', description: '`debug` in the Neutron config files.' },
];

/** Every variable lab reads, in the order the README's table and `lab config` list them. */
export const VARIABLES: readonly VariableSpec[] = [...LAB_VARIABLES, ...SERVICES.flatMap((s) => s.variables ?? [])];

/** Variables naming config files, for `[[post-config|$FILE]]` headers (values as in DevStack). */
export const FILE_VARIABLES: Readonly<Record<string, string>> = {
  NEUTRON_CONF_DIR: '/etc/neutron',
  NEUTRON_CONF: '/etc/neutron/neutron.conf',
  NEUTRON_VPNAAS_CONF: '/etc/neutron/neutron_vpnaas.conf',
  Q_L3_CONF_FILE: '/etc/neutron/l3_agent.ini',
  Q_PLUGIN_CONF_PATH: 'etc/neutron/plugins/ml2',
  Q_PLUGIN_CONF_FILE: 'etc/neutron/plugins/ml2/ml2_conf.ini',
};

/** The default as the README and `lab config` show it. */
export function shownDefault(spec: VariableSpec): string {
  return spec.shownDefault ?? spec.default ?? '';
}

/** The fixed default of a variable ('' for one without: derived, generated or unset). */
export function defaultOf(name: string): string {
  return VARIABLES.find((v) => v.name === name)?.default ?? '';
}

/** Whether a line break in the variable's value only separates words of a list. */
export function isWordList(name: string): boolean {
  return VARIABLES.some((v) => v.name === name && v.words === true);
}

export function isSecretName(name: string): boolean {
  return /PASSWORD|PASSWD|PSK|SECRET|TOKEN/i.test(name);
}
