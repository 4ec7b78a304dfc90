// `lab check`'s runner: the checks of every enabled service, in the registry's order (each
// service's file in lab/services lists its own), then the driver-code check; and the text
// form of the results.
import type { Engine } from '../engine.js';
import type { LoadedLab } from '../load.js';
import { SERVICES } from '../services/index.js';
import { checkContext, type Check, type CheckContext, type CheckResult } from './context.js';
import { codeFresh } from './driver-code.js';

export type { CheckResult } from './context.js';

/** The checks that apply to these enabled services, in order. */
export function applicableChecks(enabled: readonly string[]): Check[] {
  const on = new Set(enabled);
  return [
    ...SERVICES.filter((service) => on.has(service.name)).flatMap((service) =>
      (service.checks ?? []).filter((check) => (check.needs ?? []).every((name) => on.has(name))),
    ),
    codeFresh,
  ];
}

export async function runChecks(lab: LoadedLab, engine: Engine): Promise<CheckResult[]> {
  const ctx = await checkContext(lab, engine);
  const results: CheckResult[] = [];
  for (const check of applicableChecks(lab.config.enabledServices)) results.push(await judge(ctx, check));
  return results;
}

/** A check looks into containers that may be failing: one that cannot look says so, as a failure. */
async function judge(ctx: CheckContext, check: Check): Promise<CheckResult> {
  try {
    return { id: check.id, title: check.title, ...(await check.look(ctx)) };
  } catch (error) {
    return {
      id: check.id,
      title: check.title,
      ok: false,
      evidence: [(error as Error).message],
      fix: 'see the checks above and lab status',
    };
  }
}

export function formatChecks(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.ok ? 'PASS' : 'FAIL'}  ${r.title}`);
    for (const e of r.evidence) lines.push(`        ${e}`);
    if (!r.ok && r.fix) lines.push(`      fix: ${r.fix}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed === 0 ? `all ${results.length} checks pass` : `${failed} of ${results.length} checks fail`);
  return lines.join('\n');
}
