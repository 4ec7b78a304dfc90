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
  /** debootstrap's script for the suite when it has none of its own name. */
  debootstrapScript?: string;
  /** Options every apt-get in this release's images takes, and why. */
  apt?: { options: string; why: string };
  upstream: string;
  /** Why lab cannot run it yet, when it cannot: choosing it is refused with this, before anything starts. */
  notYet?: string;
}

/** Newest first: `NEUTRON_BRANCH=master` means the first lab runs. */
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
    upstream: 'maintained',
    notYet:
      'Neutron 28 has no neutron-server any more (its API runs as a WSGI application, beside neutron-rpc-server and neutron-periodic-workers), and lab does not run it that way yet',
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
    upstream: 'Neutron unmaintained; neutron-vpnaas end of life (zed-eol, 2024-12-10)',
  },
];

export const DEFAULT_RELEASE: ReleaseName = '2025.1';

/** Every value OPENSTACK_RELEASE takes, for messages. */
export function releaseNames(): string {
  return RELEASES.flatMap((r) => [r.name, ...r.aliases]).join(', ');
}

/** The releases lab runs now. */
export function runnableReleases(): Release[] {
  return RELEASES.filter((r) => r.notYet === undefined);
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
  if (value === 'master' || value === 'main') return runnableReleases()[0];
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
