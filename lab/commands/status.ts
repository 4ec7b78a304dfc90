// `lab status [--json]`: per service its state, health, since when, ports, image, and
// whether its config is current or stale against the localrc now; then, once for the lab,
// whether its log follower runs and what went wrong for it.
import { Engine } from '../engine.js';
import { followerReport, labDirOf, labStatus, type FollowerReport, type ServiceStatus } from '../stack/status.js';
import { runningRelease, type RunningRelease } from '../stack/versions.js';
import { LAB_OPTION, resolveProject } from './project.js';
import type { Verb } from './verb.js';

export const statusVerb: Verb = {
  name: 'status',
  summary: "show the lab's release and services: state, health, since, ports, image, config current or stale",
  usage: 'lab status [--localrc PATH] [--lab NAME] [--json]',
  details: [
    'Lists what runs by label; "stale" means the localrc, the rendered config or an image changed',
    'since the container was created (`lab stack` recreates it).',
    'First the OpenStack release the containers are of, and the Debian versions of Neutron, neutron-vpnaas,',
    'strongSwan and Open vSwitch in them; then whether the log follower runs, and what went wrong for it.',
  ],
  options: { ...LAB_OPTION, json: { type: 'boolean', description: 'print the status as JSON' } },
  async run({ values, localrc, out }) {
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    const services = await labStatus(engine, project.name, project.lab);
    const labDir = await labDirOf(engine, project.name, project.labDir);
    const follower = labDir === undefined ? null : followerReport(labDir, project.name);
    const release =
      services.length > 0 ? await runningRelease(engine, await engine.listContainers(project.name)) : null;
    if (values.json === true) {
      out(JSON.stringify({ lab: project.name, release, services, logFollower: follower }, null, 2));
      return 0;
    }
    if (services.length === 0) {
      const others = (await engine.projects()).filter((p) => p !== project.name);
      out(
        `lab "${project.name}" has no containers${others.length > 0 ? `; other labs on this engine: ${others.join(', ')} (lab status --lab NAME)` : ''}`,
      );
    } else {
      if (release) releaseLines(release).forEach((line) => out(line));
      out(table(services));
    }
    if (follower) followerLines(follower, services.length > 0).forEach((line) => out(line));
    return 0;
  },
};

/** The release and, per service, the Debian versions of what makes it. */
function releaseLines(release: RunningRelease): string[] {
  const lines = [
    `OpenStack ${release.releases.join(' and ')}${release.releases.length > 1 ? ' (a switch of release is half done: lab stack)' : ''}${release.ovsDatapath ? `; Open vSwitch datapath ${release.ovsDatapath}${release.ovsDatapath === 'netdev' ? ' (userspace)' : ' (kernel)'}` : ''}`,
  ];
  for (const [service, versions] of Object.entries(release.packages))
    lines.push(
      `  ${service.padEnd(11)} ${Object.entries(versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ')}`,
    );
  return [...lines, ''];
}

/** Said once per call, not per service: the follower is one for the whole lab. */
function followerLines(follower: FollowerReport, hasContainers: boolean): string[] {
  if (follower.pid === null)
    return hasContainers ? ['log follower: not running (lab stack or lab restart starts it)'] : [];
  return [`log follower: running (pid ${follower.pid})`, ...follower.notes];
}

function table(services: ServiceStatus[]): string {
  const rows = [['SERVICE', 'STATE', 'HEALTH', 'SINCE', 'PORTS', 'IMAGE', 'CONFIG']];
  for (const s of services)
    rows.push([
      s.service,
      s.restarts > 0 ? `${s.state} (restarted ${s.restarts}x)` : s.state,
      s.health ?? '-',
      s.since ? s.since.replace(/\.\d+Z$/, 'Z') : '-',
      s.ports.join(',') || '-',
      s.image,
      s.config,
    ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
