// The OpenStack releases lab runs, each from one Debian suite's own packages. One table: the
// base image, the image tags, the data volumes, the L2 wiring and what `lab status` shows
// follow the release chosen here. A leaf module: everything may import it.

export type ReleaseName = '2025.1' | '2026.1' | 'zed';

export interface Release {
  name: ReleaseName;
  /** Other names a localrc may give it (OpenStack's year-based number for Zed). */
  aliases: readonly string[];
  /** The Debian suite whose packages make it; the base image is that suite's. */
  suite: 'bookworm' | 'trixie' | 'forky';
  debian: string;
  /** The upstream versions this suite carries, as measured (Debian's exact ones: `lab status`). */
  neutron: string;
  vpnaas: string;
  strongswan: string;
  /** The L2 agent beside the L3 agent in q-vpn: Neutron 26 removed the Linux bridge agent. */
  l2: 'linuxbridge' | 'openvswitch';
  /**
   * How q-svc runs neutron-server: one `neutron-server` process (to Neutron 26), or, from
   * Neutron 28 on (there is no neutron-server any more), its parts as DevStack runs them: the
   * API as a WSGI application under uWSGI, neutron-rpc-server, neutron-periodic-workers.
   */
  server: 'neutron-server' | 'wsgi';
  /**
   * Whether the suite's strongSwan speaks IKEv1, Neutron's default IKE policy version.
   * Debian forky's strongSwan 6.1 is built without it (charon: "IKE version 1 not
   * supported"), so there the peer and the demo's IKE policy speak IKEv2.
   */
  ikev1: boolean;
  /** debootstrap's script for the suite when it has none of its own name. */
  debootstrapScript?: string;
  /** Options every apt-get in this release's images takes, and why. */
  apt?: { options: string; why: string };
  upstream: string;
}

/** Newest first: `NEUTRON_BRANCH=master` means the first. */
export const RELEASES: readonly Release[] = [
  {
    name: '2026.1',
    aliases: [],
    suite: 'forky',
    debian: 'forky (testing)',
    neutron: '28.0',
    vpnaas: '28.0.0',
    strongswan: '6.1',
    l2: 'openvswitch',
    debootstrapScript: 'sid',
    apt: {
      options: '-o Acquire::Check-Valid-Until=false',
      why: "the archive's forky Release file is past its Valid-Until date here, and apt refuses it without this",
    },
    server: 'wsgi',
    ikev1: false,
    upstream: 'maintained',
  },
  {
    name: '2025.1',
    aliases: ['epoxy'],
    suite: 'trixie',
    debian: '13 trixie',
    neutron: '26.0',
    vpnaas: '26.0.0',
    strongswan: '6.0',
    l2: 'openvswitch',
    server: 'neutron-server',
    ikev1: true,
    upstream: 'unmaintained since 2026-10 (SLURP)',
  },
  {
    name: 'zed',
    aliases: ['2022.2'],
    suite: 'bookworm',
    debian: '12 bookworm',
    neutron: '21.0',
    vpnaas: '21.0.0',
    strongswan: '5.9',
    l2: 'linuxbridge',
    server: 'neutron-server',
    ikev1: true,
    upstream: 'Neutron unmaintained; neutron-vpnaas end of life (zed-eol, 2024-12-10)',
  },
];

export const DEFAULT_RELEASE: ReleaseName = '2025.1';

/** Every value OPENSTACK_RELEASE takes, for messages. */
export function releaseNames(): string {
  return RELEASES.flatMap((r) => [r.name, ...r.aliases]).join(', ');
}

export function releaseNamed(value: string): Release | undefined {
  const wanted = value.trim().toLowerCase();
  return RELEASES.find((r) => r.name === wanted || r.aliases.includes(wanted));
}

/**
 * The release DevStack's NEUTRON_BRANCH names: `stable/X`, `unmaintained/X`, the end-of-life
 * tag `X-eol`, or `master` (the newest lab has).
 */
export function releaseOfBranch(branch: string): Release | undefined {
  const value = branch.trim();
  if (value === 'master' || value === 'main') return RELEASES[0];
  const match = /^(?:stable\/|unmaintained\/)?([a-z0-9.]+?)(?:-eol)?$/i.exec(value);
  if (!match || !/^(stable|unmaintained)\/|-eol$/i.test(value)) return undefined;
  return releaseNamed(match[1] ?? '');
}

export function releaseByName(name: ReleaseName): Release {
  const found = RELEASES.find((r) => r.name === name);
  if (!found) throw new Error(`no release ${name} in the table`);
  return found;
}

/** The base image a release builds FROM by default, and the one lab makes with debootstrap. */
export function defaultBaseImage(release: Release): string {
  return `debian:${release.suite}-slim`;
}

export function madeBaseImage(release: Release): string {
  return `lab-base/debian:${release.suite}`;
}

/** The L2 agent's type as Neutron's agent list shows it. */
export function l2Agent(release: Release): 'Linux bridge agent' | 'Open vSwitch agent' {
  return release.l2 === 'linuxbridge' ? 'Linux bridge agent' : 'Open vSwitch agent';
}

/** What runs in q-svc, for `lab config` and `lab status`. */
export function serverProcesses(release: Release): string {
  return release.server === 'neutron-server'
    ? 'neutron-server'
    : 'neutron-api (uWSGI), neutron-rpc-server, neutron-periodic-workers';
}
