// What `lab status` says runs: the release (the label lab put on the containers) and the
// exact Debian versions of the packages a driver author cares about, read in the running
// containers themselves (dpkg-query), not from a table of what should be there.
import type { ContainerInfo, Engine } from '../engine.js';
import { LABEL } from '../labels.js';

/** The packages shown, by the service whose image has them. */
const SHOWN: readonly { services: readonly string[]; packages: readonly string[] }[] = [
  { services: ['q-svc', 'q-vpn'], packages: ['python3-neutron', 'python3-neutron-vpnaas'] },
  { services: ['q-vpn'], packages: ['strongswan-charon', 'openvswitch-switch'] },
  { services: ['strongswan'], packages: ['strongswan-charon'] },
];

export interface RunningRelease {
  /** The OpenStack release the containers were made for; several when a switch is half done. */
  releases: string[];
  /** Package versions by service, e.g. { 'q-svc': { 'python3-neutron': '2:26.0.3-1' } }. */
  packages: Record<string, Record<string, string>>;
  /** Open vSwitch's datapath in q-agt (br-int's datapath_type), where it runs. */
  ovsDatapath?: string;
}

export async function runningRelease(engine: Engine, containers: readonly ContainerInfo[]): Promise<RunningRelease> {
  const releases = [...new Set(containers.map((c) => c.labels[LABEL.release] ?? 'zed (made before releases)'))];
  const packages: Record<string, Record<string, string>> = {};
  for (const { services, packages: wanted } of SHOWN) {
    for (const service of services) {
      const container = containers.find((c) => c.service === service && c.state === 'running');
      if (!container) continue;
      const found = await installedVersions(engine, container.id, wanted);
      if (Object.keys(found).length > 0) packages[service] = { ...packages[service], ...found };
    }
  }
  const datapath = await ovsDatapath(engine, containers);
  return { releases: releases.sort(), packages, ...(datapath ? { ovsDatapath: datapath } : {}) };
}

/** `system` (the kernel's) or `netdev` (userspace), as the running switch has it. */
async function ovsDatapath(engine: Engine, containers: readonly ContainerInfo[]): Promise<string | undefined> {
  const agt = containers.find((c) => c.service === 'q-agt' && c.state === 'running');
  if (!agt) return undefined;
  const { exitCode, output } = await engine.exec(agt.id, [
    'sh',
    '-c',
    'command -v ovs-vsctl >/dev/null && ovs-vsctl --timeout=5 get Bridge br-int datapath_type',
  ]);
  const value = output.trim().replace(/^"|"$/g, '');
  return exitCode === 0 && /^[a-z]+$/.test(value) ? value : undefined;
}

/** Versions of those of `names` that are installed (dpkg-query reports the others on stderr, exit 1). */
async function installedVersions(
  engine: Engine,
  id: string,
  names: readonly string[],
): Promise<Record<string, string>> {
  const { output } = await engine.exec(id, [
    'sh',
    '-c',
    'dpkg-query -W -f \'${db:Status-Status} ${Package} ${Version}\\n\' "$@" 2>/dev/null; true',
    'lab-versions',
    ...names,
  ]);
  return parseInstalled(output);
}

/** `installed NAME VERSION` lines into { NAME: VERSION }; other states are left out. */
export function parseInstalled(output: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const [status, name, version] = line.trim().split(/\s+/);
    if (status === 'installed' && name && version) versions[name] = version;
  }
  return versions;
}
