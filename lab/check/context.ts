// What every `lab check` check gets and gives. A check looks at the running lab (the API
// through its published port, the containers by label, the screen logs) and gives a
// verdict: pass or fail, its evidence (the HTTP answer, or the log line with its file and
// line number) and, when it fails, the fix: what to change where, and what to restart.
import fs from 'node:fs';
import { formatOrigin } from '../config/origin.js';
import type { ContainerInfo, Engine } from '../engine.js';
import type { LoadedLab } from '../load.js';
import { currentFile, parseLogLine, screenLink, sortableTimestamp } from '../logs/screen.js';
import { CHECK_BOUND, NeutronClient } from '../neutron/client.js';
import { displayPath } from '../paths.js';

export interface Verdict {
  ok: boolean;
  evidence: string[];
  /** On failure: what to change and what to restart. */
  fix?: string;
}

export interface CheckResult extends Verdict {
  id: string;
  title: string;
}

/** One check: its id (for --json), what it says it checks, and how it looks. */
export interface Check {
  id: string;
  title: string;
  /** Other services that must be enabled too for the check to mean anything. */
  needs?: readonly string[];
  look: (ctx: CheckContext) => Promise<Verdict> | Verdict;
}

export type Answer = { status: number; body: unknown } | { error: string };

export interface CheckContext {
  lab: LoadedLab;
  engine: Engine;
  containers: ContainerInfo[];
  api: string;
  get: (pathname: string) => Promise<Answer>;
  /** Where a setting is changed, for fixes. */
  settingSource: (name: string) => string;
}

export async function checkContext(lab: LoadedLab, engine: Engine): Promise<CheckContext> {
  const containers = await engine.listContainers(lab.config.labName);
  const neutron = NeutronClient.forPort(lab.config.qPort, CHECK_BOUND);
  const get = (pathname: string): Promise<Answer> =>
    neutron.answer('GET', pathname).catch((error: unknown) => ({ error: (error as Error).message }));
  return { lab, engine, containers, api: neutron.url, get, settingSource: (name) => settingSource(lab, name) };
}

/** Where a setting is changed: its localrc line, or the variable to add. */
function settingSource(lab: LoadedLab, name: string): string {
  const setting = lab.config.settings[name];
  if (!setting || setting.origin.kind === 'default') return `${name} (not set in localrc: the default is used)`;
  return `${name} at ${formatOrigin(setting.origin)}`;
}

/**
 * Where neutron-server's service_provider lines come from: a post-config section wins
 * over the variable, and lab refuses a variable with no VPN provider before starting.
 */
export function providerSource(ctx: CheckContext): string {
  const setting = ctx.lab.rendering.vpn.find((s) => s.key === 'service_provider');
  const postConfig = setting?.values.find((v) => v.origin.kind === 'post-config');
  return postConfig
    ? `service_provider at ${formatOrigin(postConfig.origin)}`
    : ctx.settingSource('NEUTRON_VPNAAS_SERVICE_PROVIDER');
}

/** The verdict of a check that cannot look while Neutron does not answer; the API checks before it say why. */
export function unanswered(evidence: string, api: string): Verdict {
  return { ok: false, evidence: [evidence], fix: `cannot tell while the ${api} does not answer: see the checks above` };
}

export function runningContainer(ctx: CheckContext, service: string): ContainerInfo | undefined {
  return ctx.containers.find((c) => c.service === service && c.state === 'running');
}

/** A list from the API, or what stopped it, as evidence. */
export async function list<T>(ctx: CheckContext, pathname: string, key: string): Promise<T[] | string> {
  const answer = await ctx.get(pathname);
  if (!('status' in answer) || answer.status !== 200)
    return `GET ${ctx.api}${pathname}: ${'status' in answer ? answer.status : answer.error}`;
  return ((answer.body as Record<string, T[]>)[key] ?? []) as T[];
}

/** A command in a container that may stop under our feet (a failing agent): never throws. */
export async function execIn(
  ctx: CheckContext,
  container: ContainerInfo,
  cmd: string[],
): Promise<{ exitCode: number; output: string }> {
  try {
    return await ctx.engine.exec(container.id, cmd);
  } catch (error) {
    return { exitCode: -1, output: `${container.service}: ${(error as Error).message}` };
  }
}

export interface LogHit {
  file: string;
  line: number;
  text: string;
}

/**
 * Lines of a service's current screen log matching `pattern`, with file and line number;
 * with `since` (the container's latest start), only lines of the process running now.
 */
export function searchLog(logDir: string, service: string, pattern: RegExp, since?: string): LogHit[] {
  const file = currentFile(screenLink(logDir, service));
  if (!file || !fs.existsSync(file)) return [];
  const from = since ? sortableTimestamp(since) : '';
  const hits: LogHit[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const { timestamp, text } = parseLogLine(raw);
      if (from && sortableTimestamp(timestamp) < from) return;
      if (pattern.test(text)) hits.push({ file, line: index + 1, text: text.trim() });
    });
  return hits;
}

export function formatHit(hit: LogHit): string {
  return `${displayPath(hit.file)}:${hit.line}: ${hit.text.length > 300 ? `${hit.text.slice(0, 300)}...` : hit.text}`;
}
