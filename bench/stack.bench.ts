// npm run bench: how long `lab stack` takes, cold (no lab images), warm (images built,
// nothing running), as a no-op, and `lab unstack`; and, measured in the same runs, the
// floor: each service's time from container start to ready and the critical path through
// them, plus the initial networks (router1 made and wired by the agents). Reported as
// medians and as the ratio warm stack / critical path. Not a test: it
// asserts nothing about time. Then `lab restart q-svc q-vpn` beside, in the same run, a
// raw Docker restart of the same two containers followed by the same readiness wait, and
// the time from `lab restart q-vpn` to the device-driver-loaded line in its screen log.
// BENCH_RUNS (default 3) and BENCH_COLD_RUNS (default 1) set the number of runs;
// BENCH_RELEASES (default: the default release, then zed) the releases, one after another.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cleanEnv, removeScratch, scratch } from '../test/helpers.js';
import { freePort } from '../test/e2e-helpers.js';
import { NeutronClient } from '../lab/neutron/client.js';
import { plumbedInQVpn, ROUTER, waitRouterWired } from '../lab/neutron/networks.js';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { catalogVariables, loadCatalog } from '../lab/stack/catalog.js';
import { Engine } from '../lab/engine.js';
import { loadLab } from '../lab/load.js';
import { packagePath } from '../lab/paths.js';
import { waitReady } from '../lab/stack/executor.js';
import { DEFAULT_RELEASE } from '../lab/config/release.js';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 1);
const BENCH_RELEASES = (process.env.BENCH_RELEASES ?? `${DEFAULT_RELEASE},zed`).split(',').filter(Boolean);

interface Outcome {
  totalMs: number;
  services: { service: string; readyMs: number; waitsFor: string[] }[];
  /** DevStack's initial networks, made after the services, with the wait for router1 wired. */
  networksMs: number;
}

async function lab(cwd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const { stdout } = await run(process.execPath, [packagePath('bin', 'lab.js'), ...args], {
    cwd,
    env: cleanEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout };
}

async function stack(cwd: string): Promise<{ ms: number; outcome: Outcome }> {
  const { ms, stdout } = await lab(cwd, ['stack', '--json']);
  return { ms, outcome: JSON.parse(stdout) as Outcome };
}

/**
 * The longest chain of start-to-ready times through the dependency graph, then the initial
 * networks: they need q-svc and q-vpn ready, and router1 wired is the agents' own work.
 */
export function criticalPath(outcome: Outcome): number {
  return servicesPath(outcome) + outcome.networksMs;
}

function servicesPath(outcome: Outcome): number {
  const byName = new Map(outcome.services.map((s) => [s.service, s]));
  const memo = new Map<string, number>();
  const finish = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const service = byName.get(name);
    const value = service ? service.readyMs + Math.max(0, ...service.waitsFor.map(finish)) : 0;
    memo.set(name, value);
    return value;
  };
  return Math.max(0, ...outcome.services.map((s) => finish(s.service)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** `docker restart A B` (one after the other, as the CLI does), then lab's readiness wait for each. */
async function rawRestart(cwd: string, services: string[]): Promise<number> {
  const loaded = await loadLab({ cwd, env: cleanEnv() });
  const catalog = loadCatalog(catalogVariables(loaded.config));
  const engine = new Engine();
  const started = process.hrtime.bigint();
  const containers = await engine.listContainers(loaded.config.labName);
  for (const service of services)
    await engine.restartContainer(containers.find((c) => c.service === service)?.id ?? service, 10);
  for (const service of services) {
    const entry = catalog.services.find((c) => c.name === service);
    const id = containers.find((c) => c.service === service)?.id;
    if (entry && id) await waitReady(engine, loaded.config, entry, id, new AbortController().signal);
  }
  // The same wait as lab restart's after the agent: router1 hosted and wired again.
  const api = NeutronClient.forPort(loaded.config.qPort);
  const router = await api.findByName('routers', ROUTER);
  if (router && services.includes('q-vpn'))
    await waitRouterWired(api, router.id, 90_000, plumbedInQVpn(engine, loaded.config.labName));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** From starting `lab restart q-vpn` to a new "Loaded VPNaaS device driver" line in screen-q-vpn.log. */
async function restartToDriverLoaded(cwd: string): Promise<number> {
  const file = path.join(cwd, 'logs', 'screen-q-vpn.log');
  const loadedLines = () => fs.readFileSync(file, 'utf8').split('Loaded VPNaaS device driver').length;
  const before = loadedLines();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [packagePath('bin', 'lab.js'), 'restart', 'q-vpn'], {
    cwd,
    env: cleanEnv(),
    stdio: 'ignore',
  });
  const deadline = Date.now() + 180_000;
  while (loadedLines() === before) {
    if (Date.now() > deadline) throw new Error('no new "Loaded VPNaaS device driver" line within 180 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  await new Promise((resolve) => child.on('exit', resolve));
  return elapsed;
}

type Times = Record<string, number[]>;
interface Measured {
  times: Times;
  perService: Times;
  failed?: string;
}

async function measureCold(cwd: string, times: Times): Promise<void> {
  for (let i = 0; i < COLD_RUNS; i++) {
    await lab(cwd, ['clean', '--images']);
    (times.cold ??= []).push((await stack(cwd)).ms);
    console.error(`cold ${i + 1}/${COLD_RUNS}: ${s(times.cold.at(-1) ?? 0)}`);
  }
}

/** Warm stack (images there, nothing up) against its critical path, then a no-op stack and unstack. */
async function measureWarm(cwd: string, times: Times, perService: Times): Promise<void> {
  for (let i = 0; i < RUNS; i++) {
    await lab(cwd, ['clean']);
    const warm = await stack(cwd);
    const critical = criticalPath(warm.outcome);
    (times.warm ??= []).push(warm.ms);
    (times.critical ??= []).push(critical);
    (times.ratio ??= []).push(warm.ms / critical);
    for (const service of warm.outcome.services) (perService[service.service] ??= []).push(service.readyMs);
    (perService['initial networks, router1 wired'] ??= []).push(warm.outcome.networksMs);
    (times.noop ??= []).push((await stack(cwd)).ms);
    (times.unstack ??= []).push((await lab(cwd, ['unstack'])).ms);
    console.error(
      `run ${i + 1}/${RUNS}: warm ${s(warm.ms)}, critical path ${s(critical)}, no-op ${s(times.noop.at(-1) ?? 0)}, unstack ${s(times.unstack.at(-1) ?? 0)}`,
    );
  }
}

/** `lab restart q-svc q-vpn` against a raw docker restart with the same waits, and q-vpn's restart to its driver line. */
async function measureRestart(cwd: string, times: Times): Promise<void> {
  await stack(cwd);
  for (let i = 0; i < RUNS; i++) {
    const labRestart = (await lab(cwd, ['restart', 'q-svc', 'q-vpn'])).ms;
    const raw = await rawRestart(cwd, ['q-svc', 'q-vpn']);
    (times.restart ??= []).push(labRestart);
    (times.rawRestart ??= []).push(raw);
    (times.restartRatio ??= []).push(labRestart / raw);
    (times.driverLoaded ??= []).push(await restartToDriverLoaded(cwd));
    console.error(
      `restart ${i + 1}/${RUNS}: lab restart ${s(labRestart)}, raw docker restart + wait ${s(raw)}, lab restart q-vpn to driver loaded ${s(times.driverLoaded.at(-1) ?? 0)}`,
    );
  }
}

function report(release: string, times: Times, perService: Times): void {
  const m = (key: string) => median(times[key] ?? []);
  console.log(`lab stack benchmark, OpenStack ${release} (medians; ${RUNS} runs, ${COLD_RUNS} cold)`);
  console.log(`  cold stack (no lab images)       ${s(m('cold'))}`);
  console.log(`  warm stack (images, nothing up)  ${s(m('warm'))}`);
  console.log(`  no-op stack                      ${s(m('noop'))}   (target <= 2 s)`);
  console.log(`  unstack                          ${s(m('unstack'))}`);
  console.log('  floor, measured in the warm runs: container start to ready');
  for (const [service, values] of Object.entries(perService))
    console.log(`    ${service.padEnd(12)} ${s(median(values))}`);
  console.log(`    critical path  ${s(m('critical'))}`);
  console.log(`  warm stack / critical path: ${m('ratio').toFixed(2)} (median of per-run ratios; target <= 1.3)`);
  console.log(`  lab restart q-svc q-vpn          ${s(m('restart'))}`);
  console.log(`  raw docker restart + same wait   ${s(m('rawRestart'))}`);
  console.log(`  lab restart / raw restart: ${m('restartRatio').toFixed(2)} (median of per-run ratios; target <= 1.2)`);
  console.log(`  lab restart q-vpn to "Loaded VPNaaS device driver" in its screen log: ${s(m('driverLoaded'))}`);
  console.log(
    JSON.stringify({
      release,
      runs: RUNS,
      coldRuns: COLD_RUNS,
      medianMs: Object.fromEntries(
        Object.keys(times)
          .filter((k) => !k.toLowerCase().includes('ratio'))
          .map((k) => [k, m(k)]),
      ),
      ratio: m('ratio'),
      restartRatio: m('restartRatio'),
      perServiceMs: Object.fromEntries(Object.entries(perService).map(([k, v]) => [k, median(v)])),
    }),
  );
}

/** One release's measures, in a lab of its own, cleaned after. */
async function measureRelease(release: string): Promise<Measured> {
  const port = await freePort();
  // A lab per release: a failed one is kept, and the next must not clean it away.
  const name = `bench${process.pid}-${release.replace(/[^a-z0-9]/g, '')}`;
  const cwd = scratch({
    localrc: `LAB_NAME=${name}\nOPENSTACK_RELEASE=${release}\nQ_PORT=${port}\nENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn\nSCREEN_LOGDIR=./logs\n`,
  });
  const times: Times = {};
  const perService: Times = {};
  console.error(`OpenStack ${release}:`);
  try {
    await measureCold(cwd, times);
    await measureWarm(cwd, times, perService);
    await measureRestart(cwd, times);
  } catch (error) {
    // The evidence stays: the lab's screen logs and its containers, for lab check and lab logs.
    console.error(`OpenStack ${release}: failed, lab kept in ${cwd} (lab unstack/clean there when done):`, error);
    return { times, perService, failed: String(error).split('\n')[0] ?? 'failed' };
  }
  await lab(cwd, ['clean']).catch(() => undefined);
  removeScratch(cwd);
  return { times, perService };
}

async function main(): Promise<void> {
  const measured: [string, Measured][] = [];
  for (const release of BENCH_RELEASES) measured.push([release, await measureRelease(release)]);
  for (const [release, { times, perService, failed }] of measured) {
    if (failed)
      console.log(`OpenStack ${release}: the run failed (${failed}); the medians below are of what was measured`);
    report(release, times, perService);
  }
  if (measured.some(([, m]) => m.failed)) process.exitCode = 1;
}

await main();
