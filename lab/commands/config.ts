// `lab config`: the rendered files, where each lands and who reads it, and where every
// VPN setting came from, before anything starts.
import { serverProcesses } from '../config/release.js';
import path from 'node:path';
import type { Problem } from '../errors.js';
import type { LabConfig } from '../config/resolve.js';
import { requirePlaces } from '../config/places.js';
import { loadLab, persistLab, type LoadedLab } from '../load.js';
import { withLabLock } from '../lock.js';
import { formatOrigin } from '../config/origin.js';
import { renderedPath } from '../config/labdir.js';
import { VARIABLES } from '../config/variables.js';
import { maskedJson, maskSecrets } from '../mask.js';
import { displayPath } from '../paths.js';
import type { Verb } from './verb.js';

export const configVerb: Verb = {
  name: 'config',
  summary: 'render the config files from localrc/local.conf and show them, with where each VPN setting came from',
  usage: 'lab config [--localrc PATH] [--json] [--show-secrets]',
  details: [
    'Reads the localrc (or local.conf) as DevStack does, renders neutron.conf, neutron_vpnaas.conf,',
    'ml2_conf.ini and l3_agent.ini into the lab directory, and prints each with its path and the',
    'services started with it. Starts nothing.',
  ],
  options: {
    json: { type: 'boolean', description: 'print the resolved config as JSON instead' },
    'show-secrets': { type: 'boolean', description: 'print passwords in clear text' },
  },
  async run({ values, localrc, out, err }) {
    let lab = await loadLab({ localrc });
    let written: string[];
    if (Object.keys(lab.config.newSecrets).length > 0) {
      // A first run makes passwords: under the lab's lock, so that two first runs make one set.
      requirePlaces(lab.config);
      written = await withLabLock(
        lab.config.labName,
        'config',
        async () => {
          lab = lab.again();
          return persistLab(lab);
        },
        { say: (line) => err(`lab: ${line}`) },
      );
    } else {
      written = persistLab(lab);
    }
    const clear = values['show-secrets'] === true;
    const show = (text: string) => (clear ? text : maskSecrets(text, lab.config.secrets));
    const warnings = [...lab.config.warnings, ...lab.rendering.warnings];
    if (values.json === true) {
      const json = configJson(lab, written);
      out(clear ? JSON.stringify(json, null, 2) : maskedJson(json, lab.config.secrets));
    } else {
      out(show(configText(lab)));
    }
    for (const warning of warnings) err(show(`lab: warning: ${warning.where}: ${warning.message}`));
    return 0;
  },
};

function configText({ config, rendering }: LoadedLab): string {
  const lines: string[] = [];
  const where =
    config.source.localConf && config.source.localConf !== config.source.localrc
      ? `${config.source.localrc} (post-config from ${config.source.localConf})`
      : config.source.localrc;
  lines.push(`lab "${config.labName}": settings from ${where}`);
  for (const note of config.source.notes) lines.push(`  note: ${note}`);
  lines.push(`lab directory: ${displayPath(config.labDir)}`);
  lines.push(releaseLine(config));
  lines.push(`services: ${config.enabledServices.join(', ') || '(none)'}`);
  lines.push('');
  lines.push('VPN settings (where each value came from):');
  for (const setting of rendering.vpn) {
    lines.push(`  ${setting.title}: ${setting.file} [${setting.section}] ${setting.key}`);
    if (setting.values.length === 0) lines.push('      (not set)');
    for (const v of setting.values) lines.push(`      = ${v.value}`, `        from ${formatOrigin(v.origin)}`);
    for (const r of setting.replaced)
      lines.push(`      replaced: ${r.value}`, `        from ${formatOrigin(r.origin)}`);
    if (setting.note) lines.push(`      ${setting.note}`);
  }
  for (const file of rendering.files) {
    const host = displayPath(renderedPath(config.labDir, file.spec.containerPath));
    lines.push('');
    lines.push(`==> ${host}`);
    lines.push(`    ${file.spec.containerPath} in ${inWords(file.spec.services)} (${file.spec.role})`);
    lines.push(file.document.toString().trimEnd());
  }
  return lines.join('\n');
}

/** "OpenStack 2025.1 (Debian 13 trixie, from localrc line 3); L2: Open vSwitch, netdev datapath (userspace: ...)". */
function releaseLine(config: LabConfig): string {
  const release = config.settings.OPENSTACK_RELEASE;
  const from = release ? formatOrigin(release.origin) : 'default';
  const l2 = config.ovsDatapath
    ? `Open vSwitch, ${config.ovsDatapath.value} datapath (${formatOrigin(config.ovsDatapath.origin)})`
    : 'Linux bridge';
  return `OpenStack ${config.release.name} (Debian ${config.release.debian}, from ${from}); q-svc runs ${serverProcesses(config.release)}; L2 agent: ${l2}`;
}

function configJson({ config, rendering }: LoadedLab, written: string[]): unknown {
  const problem = (p: Problem) => ({ where: p.where, message: p.message });
  return {
    labName: config.labName,
    labDir: config.labDir,
    release: {
      name: config.release.name,
      suite: config.release.suite,
      l2: config.release.l2,
      server: config.release.server,
      ...(config.ovsDatapath ? { ovsDatapath: config.ovsDatapath.value } : {}),
    },
    source: config.source,
    enabledServices: config.enabledServices,
    ignoredServices: config.ignoredServices,
    variables: Object.fromEntries(
      VARIABLES.map((v) => {
        const setting = config.settings[v.name];
        return [v.name, { value: setting?.value ?? null, from: setting ? formatOrigin(setting.origin) : 'default' }];
      }),
    ),
    plugins: config.plugins,
    vpn: rendering.vpn.map((s) => ({
      title: s.title,
      file: s.file,
      section: s.section,
      key: s.key,
      values: s.values.map((v) => ({ value: v.value, from: formatOrigin(v.origin) })),
      replaced: s.replaced.map((v) => ({ value: v.value, from: formatOrigin(v.origin) })),
      ...(s.note ? { note: s.note } : {}),
    })),
    files: rendering.files.map((f, i) => ({
      name: f.spec.id,
      path: written[i] ?? path.join(config.labDir, f.spec.containerPath),
      containerPath: f.spec.containerPath,
      services: f.spec.services,
      content: f.document.toString(),
    })),
    warnings: [...config.warnings, ...rendering.warnings].map(problem),
  };
}

/** "q-svc", "q-svc and q-vpn", "q-svc, q-agt and q-vpn". */
function inWords(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
