// `lab check`, the driver code: a file of an enable_plugin directory changed after the
// service that runs it started, so the old code still runs.
import fs from 'node:fs';
import path from 'node:path';
import { displayPath } from '../paths.js';
import type { Check, CheckContext, Verdict } from './context.js';

function lookCode(ctx: CheckContext): Verdict {
  const stale: string[] = [];
  for (const plugin of ctx.lab.config.plugins.filter((p) => p.kind === 'directory' && p.directory)) {
    // The lab's own logs and state may sit inside a plugin directory (the example's local.conf does that).
    const newest = newestFile(plugin.directory as string, [ctx.lab.config.screenLogDir, ctx.lab.config.labDir]);
    if (!newest) continue;
    for (const service of ['q-svc', 'q-vpn']) {
      const container = ctx.containers.find((c) => c.service === service && c.state === 'running');
      if (container?.startedAt && newest.mtime > Date.parse(container.startedAt))
        stale.push(`${displayPath(newest.file)} changed after ${service} started (${container.startedAt})`);
    }
  }
  if (stale.length === 0)
    return { ok: true, evidence: ['no enable_plugin file changed since q-svc and q-vpn started'] };
  const services = [...new Set(stale.map((s) => /changed after (\S+)/.exec(s)?.[1] ?? ''))].join(' ');
  return { ok: false, evidence: stale, fix: `the old code still runs: lab restart ${services}` };
}

function newestFile(dir: string, skip: string[] = []): { file: string; mtime: number } | undefined {
  let newest: { file: string; mtime: number } | undefined;
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (entry.includes('__pycache__')) continue;
    const file = path.join(dir, entry);
    if (skip.some((s) => file === s || file.startsWith(`${path.resolve(s)}${path.sep}`))) continue;
    const stat = fs.statSync(file);
    if (stat.isFile() && (!newest || stat.mtimeMs > newest.mtime)) newest = { file, mtime: stat.mtimeMs };
  }
  return newest;
}

export const codeFresh: Check = {
  id: 'code',
  title: 'the running services run the driver code as it is now',
  look: lookCode,
};
