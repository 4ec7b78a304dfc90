// `npm run catalogue [-- --root DIR]`: the catalogue of hostile and careless input
// (test/catalogue.ts) tried against a build of lab (this checkout by default, or another
// built checkout, e.g. an older commit), with the outcome of each and their counts.
// It asserts nothing: test/catalogue.test.ts does.
import { parseArgs } from 'node:util';
import { packageRoot } from '../lab/paths.js';
import {
  CSR_CASES,
  INPUT_CASES,
  runCsrCase,
  runInputCase,
  type CaseResult,
  type CsrResult,
} from '../test/catalogue.js';

// --except TEXT leaves out the cases whose title holds TEXT: an older build given
// LAB_DIR=/ writes /etc/neutron/*.conf on this host, which is not to be tried for real.
const { values } = parseArgs({
  options: { root: { type: 'string' }, limit: { type: 'string' }, except: { type: 'string', multiple: true } },
});
const root = values.root ?? packageRoot;
const left = (values.except ?? []) as string[];
const limitMs = Number(values.limit ?? 90) * 1000;

async function pool<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

function counts<T extends string>(outcomes: T[]): string {
  const tally = new Map<T, number>();
  for (const o of outcomes) tally.set(o, (tally.get(o) ?? 0) + 1);
  return [...tally.entries()].map(([o, n]) => `${o}: ${n}`).join(', ');
}

const chosen = INPUT_CASES.filter((c) => !left.some((text) => c.title.includes(text)));
if (chosen.length < INPUT_CASES.length)
  process.stdout.write(
    `left out: ${INPUT_CASES.filter((c) => !chosen.includes(c))
      .map((c) => c.title)
      .join('; ')}\n`,
  );
const inputs: CaseResult[] = await pool(chosen, 4, (c) => runInputCase(c, root, limitMs));
process.stdout.write(`lab config, ${inputs.length} inputs, against ${root}\n`);
for (const r of inputs)
  process.stdout.write(
    `  ${r.outcome.padEnd(17)} exit ${String(r.code).padEnd(4)} ${String(r.ms).padStart(6)} ms  ${r.title}${r.outcome === 'refused' && !r.named ? ' (the message does not say where)' : ''}${r.lost.length > 0 ? ` LOST: ${r.lost.join(', ')}` : ''}${r.running.length > 0 ? ` LEFT RUNNING: ${r.running.join('; ')}` : ''}\n`,
  );
const csr: CsrResult[] = [];
for (const c of CSR_CASES) csr.push(await runCsrCase(c, root));
process.stdout.write(`\nthe CSR simulator, ${csr.length} requests\n`);
for (const r of csr)
  process.stdout.write(
    `  ${r.outcome.padEnd(22)} ${String(r.status).padEnd(9)} rss +${r.rssGrowthKiB} KiB  ${r.title}\n`,
  );
process.stdout.write(
  `\ntried ${inputs.length + csr.length}\n  lab config: ${counts(inputs.map((r) => r.outcome))}; files lost in ${inputs.filter((r) => r.lost.length > 0).length}; processes left running in ${inputs.filter((r) => r.running.length > 0).length}\n  simulator: ${counts(csr.map((r) => r.outcome))}\n`,
);
