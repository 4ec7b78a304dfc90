// `lab status [--json]`: per service its state, health, since when, ports, image, and
// whether its config is current or stale against the localrc now.
import { Engine } from '../engine.js';
import { labStatus, type ServiceStatus } from '../status.js';
import { LAB_OPTION, resolveProject } from './project.js';
import type { Verb } from './verb.js';

export const statusVerb: Verb = {
  name: 'status',
  summary: "show the lab's services: state, health, since, ports, image, config current or stale",
  usage: 'lab status [--localrc PATH] [--lab NAME] [--json]',
  details: ['Lists what runs by label; "stale" means the localrc, the rendered config or an image changed', 'since the container was created (`lab stack` recreates it).'],
  options: { ...LAB_OPTION, json: { type: 'boolean', description: 'print the status as JSON' } },
  async run({ values, localrc, out }) {
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    const services = await labStatus(engine, project.name, project.lab);
    if (values.json === true) {
      out(JSON.stringify({ lab: project.name, services }, null, 2));
      return 0;
    }
    if (services.length === 0) {
      const others = (await engine.projects()).filter((p) => p !== project.name);
      out(`lab "${project.name}" has no containers${others.length > 0 ? `; other labs on this engine: ${others.join(', ')} (lab status --lab NAME)` : ''}`);
      return 0;
    }
    out(table(services));
    return 0;
  },
};

function table(services: ServiceStatus[]): string {
  const rows = [['SERVICE', 'STATE', 'HEALTH', 'SINCE', 'PORTS', 'IMAGE', 'CONFIG']];
  for (const s of services) rows.push([s.service, s.restarts > 0 ? `${s.state} (restarted ${s.restarts}x)` : s.state, s.health ?? '-', s.since ? s.since.replace(/\.\d+Z$/, 'Z') : '-', s.ports.join(',') || '-', s.image, s.config]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
