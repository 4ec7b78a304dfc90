// `lab stack`: bring the lab up (DevStack's stack.sh), then a summary like DevStack's.
import path from 'node:path';
import { configFile } from '../config/files.js';
import { renderedPath } from '../config/labdir.js';
import { displayPath } from '../paths.js';
import { seconds, StackFailed, stackLab, type StackResult } from '../stack/executor.js';
import { startRunLog } from '../logs/runlog.js';
import { screenLink } from '../logs/screen.js';
import { formatChecks, runChecks } from '../check/runner.js';
import { Engine } from '../engine.js';
import { loadLab } from '../load.js';
import { requirePlaces } from '../config/places.js';
import { previewStack, type Preview } from '../stack/preview.js';
import { maskSecrets } from '../mask.js';
import { SERVICES } from '../services/index.js';
import type { Verb } from './verb.js';

export const stackVerb: Verb = {
  name: 'stack',
  summary: 'build the images and start the enabled services, each until ready',
  usage: 'lab stack [--localrc PATH] [--json] [--dry-run]',
  details: [
    'Renders the config (see `lab config`), makes a Debian base image if the engine has none and',
    'cannot pull one, builds images whose build context changed, recreates containers whose config',
    'changed and starts what is not running. A lab that is up and unchanged is left alone.',
  ],
  options: {
    json: { type: 'boolean', description: 'no progress; print the outcome as JSON (times per step and service)' },
    'dry-run': {
      type: 'boolean',
      description: 'print the steps lab stack would take, each with its cause, and change nothing',
    },
  },
  async run({ values, localrc, out, err }) {
    if (values['dry-run'] === true) return dryRun(localrc, values.json === true, out, err);
    const controller = new AbortController();
    let stopRunLog: (() => void) | undefined;
    let project: string | undefined;
    const interrupt = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const json = values.json === true;
      const result = await stackLab({
        localrc,
        signal: controller.signal,
        silent: json,
        warn: (w) => err(`lab: warning: ${w.where}: ${w.message}`),
        notice: (line) => err(`lab: ${line}`),
        onLoaded: (lab) => {
          project = lab.config.labName;
          if (lab.config.logFile) stopRunLog = startRunLog(lab.config.logFile, lab.config.logDays);
        },
      });
      out(json ? JSON.stringify(outcome(result), null, 2) : summary(result));
      return 0;
    } catch (error) {
      if (controller.signal.aborted) {
        err(`lab: interrupted: ${project ? await leftBehind(project) : 'nothing was started'}`);
        return 130;
      }
      // A service that did not become ready gets the diagnosis, not a bare timeout.
      if (error instanceof StackFailed && error.notReady) await diagnose(localrc, err);
      throw error;
    } finally {
      stopRunLog?.();
      process.removeListener('SIGINT', interrupt);
      process.removeListener('SIGTERM', interrupt);
    }
  },
};

/** What an interrupted stack leaves, said plainly: each container's state, and the way on. */
async function leftBehind(project: string): Promise<string> {
  const way = '`lab stack` carries on from there, `lab unstack` removes it';
  try {
    const containers = await new Engine().listContainers(project);
    if (containers.length === 0)
      return `no container of lab "${project}" was started (its network and volumes may be there); ${way}`;
    const states = containers
      .sort((a, b) => a.service.localeCompare(b.service))
      .map((c) => `${c.service} ${c.state === 'exited' ? `exited (${c.exitCode})` : c.state}`);
    return `what was started is left as it is: ${states.join(', ')}; ${way}`;
  } catch {
    return `what was started is left as it is; ${way}`;
  }
}

async function diagnose(localrc: string | undefined, err: (text: string) => void): Promise<void> {
  try {
    const lab = await loadLab({ localrc });
    const failing = (await runChecks(lab, new Engine())).filter((r) => !r.ok);
    if (failing.length > 0)
      err(maskSecrets(`lab: what lab check finds:\n${formatChecks(failing)}`, lab.config.secrets));
  } catch {
    // The diagnosis is a help; the failure itself is reported either way.
  }
}

function outcome(result: StackResult): unknown {
  return {
    lab: result.lab.config.labName,
    totalMs: result.totalMs,
    base: { ref: result.base.ref, how: result.base.how },
    images: result.images,
    services: result.services,
    removed: result.removed,
    networksCreated: result.networksCreated,
    networksMs: result.networksMs,
    api: `http://127.0.0.1:${result.lab.config.qPort}/v2.0/`,
  };
}

function summary(result: StackResult): string {
  const config = result.lab.config;
  const lines = [''];
  const changed =
    result.services.some((s) => s.action !== 'up to date' && s.action !== 'already done') ||
    result.images.some((i) => i.built);
  lines.push(
    changed
      ? `lab "${config.labName}" is up, in ${seconds(result.totalMs)}`
      : `lab "${config.labName}": everything is up and unchanged; nothing was started (${seconds(result.totalMs)})`,
  );
  for (const image of result.images)
    lines.push(`  image ${image.tag.padEnd(26)} ${image.built ? `built in ${seconds(image.ms)}` : 'up to date'}`);
  for (const s of [...result.services].sort((a, b) => a.readyAtMs - b.readyAtMs)) {
    lines.push(
      `  ${s.service.padEnd(12)} ${s.action.padEnd(12)} ${s.readyMs > 0 ? `ready ${seconds(s.readyMs)} after start, ` : ''}at ${seconds(s.readyAtMs)}`,
    );
  }
  for (const removed of result.removed) lines.push(`  ${removed.padEnd(12)} removed: no longer in ENABLED_SERVICES`);
  if (config.ignoredServices.length > 0) lines.push(`  not run by lab: ${config.ignoredServices.join(', ')}`);
  lines.push('');
  lines.push(
    `OpenStack:     ${config.release.name} (Debian ${config.release.debian}: Neutron ${config.release.neutron}, neutron-vpnaas ${config.release.vpnaas}; exact versions: npx lab status)`,
  );
  for (const service of SERVICES)
    if (config.enabledServices.includes(service.name)) lines.push(...(service.summary?.(config) ?? []));
  lines.push(
    `Config files:  ${displayPath(path.dirname(renderedPath(config.labDir, configFile('neutron.conf').containerPath)))}`,
  );
  lines.push(`Service logs:  ${displayPath(screenLink(config.screenLogDir, '<svc>'))}   (lab logs SVC [-f])`);
  if (config.logFile) lines.push(`This run:      ${displayPath(config.logFile)}`);
  lines.push(`Status:        npx lab status        Stop: npx lab unstack`);
  return lines.join('\n');
}

/** `lab stack --dry-run`: reconcile's steps with their causes; nothing built, made, started or written. */
async function dryRun(
  localrc: string | undefined,
  json: boolean,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const lab = await loadLab({ localrc });
  requirePlaces(lab.config);
  for (const w of [...lab.config.warnings, ...lab.rendering.warnings])
    err(`lab: warning: ${w.where}: ${maskSecrets(w.message, lab.config.secrets)}`);
  const engine = new Engine();
  await engine.requireEngine();
  const preview = await previewStack(lab, engine);
  const { plan: _plan, ...shown } = preview;
  out(json ? JSON.stringify(shown, null, 2) : formatPreview(lab.config.labName, preview));
  return 0;
}

export function formatPreview(labName: string, preview: Preview): string {
  const lines = [`lab stack would, for lab "${labName}" (dry run: nothing is changed):`];
  lines.push(`  base image ${preview.base.ref.padEnd(28)} ${preview.base.present ? 'keep' : 'pull or make'}`);
  for (const image of preview.images)
    lines.push(
      `  image ${image.tag.padEnd(33)} ${image.present ? 'keep' : 'build: its build context or base changed'}`,
    );
  for (const n of preview.networks)
    lines.push(
      `  network ${n.network.padEnd(31)} ${n.action === 'conflict' ? `refuse: ${n.cause}` : `${n.action}${n.action === 'keep' ? '' : `: ${n.cause}`}`}`,
    );
  for (const s of preview.services) lines.push(`  ${s.service.padEnd(12)} ${s.action.padEnd(9)} ${s.cause}`);
  const changes =
    preview.services.filter((s) => s.action !== 'keep').length +
    preview.images.filter((i) => !i.present).length +
    preview.networks.filter((n) => n.action !== 'keep').length;
  lines.push(
    changes === 0
      ? 'nothing to do: every service is up to date'
      : `${changes} change${changes === 1 ? '' : 's'}; \`lab stack\` makes them`,
  );
  return lines.join('\n');
}
