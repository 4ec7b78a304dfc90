// reconcile: the steps lab stack and lab restart take, with their causes, decided from the
// plan and what the engine reports. Pure: no Docker.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { catalogVariables, loadCatalog } from '../lab/stack/catalog.js';
import { renderedPath } from '../lab/config/labdir.js';
import { LABEL } from '../lab/labels.js';
import { loadLab, type LoadedLab } from '../lab/load.js';
import { planLab, type Plan, type ServicePlan } from '../lab/stack/plan.js';
import { reconcile, reconcileNetworks, type ObservedContainer, type ServiceStep } from '../lab/stack/reconcile.js';
import { cleanEnv, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));
const cwd = scratch();
dirs.push(cwd);

const IMAGE_ONE = `sha256:${'1'.repeat(64)}`;
const IMAGE_TWO = `sha256:${'2'.repeat(64)}`;

async function planFor(files: Record<string, string>, imageId = IMAGE_ONE): Promise<Plan> {
  for (const name of ['localrc', 'local.conf']) fs.rmSync(path.join(cwd, name), { force: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(cwd, name), text);
  const loaded: LoadedLab = await loadLab({
    cwd,
    env: cleanEnv(),
    secrets: { stored: () => ({}), generate: () => 'fixed', storeName: () => 'memory' },
  });
  const catalog = loadCatalog(catalogVariables(loaded.config));
  const images = new Map(
    catalog.services.map((s) => [s.context, { tag: `lab/${path.basename(s.context)}:t`, id: imageId }]),
  );
  const mounted = new Map(
    loaded.rendering.files.map((f) => [
      renderedPath(loaded.config.labDir, f.spec.containerPath),
      f.document.toString(),
    ]),
  );
  return planLab(loaded.config, catalog, images, mounted);
}

/** The container lab stack would have made for a planned service, in a state. */
function madeFrom(p: ServicePlan, state = 'running', exitCode?: number): ObservedContainer {
  const oneShotDone = p.service.oneShot && state === 'running';
  return {
    service: p.service.name,
    partOf: p.service.partOf,
    state: oneShotDone ? 'exited' : state,
    exitCode: oneShotDone ? 0 : exitCode,
    configHash: p.configHash,
    labels: p.create.Labels ?? {},
  };
}

const upFrom = (p: Plan) => p.services.map((s) => madeFrom(s));
const shown = (steps: ServiceStep[]) => steps.map((s) => `${s.service} ${s.action}: ${s.cause}`);
const LOCALRC = { localrc: 'LAB_NAME=r\n' };

describe('reconcile', () => {
  it('creates every service of a lab with nothing running', async () => {
    const plan = await planFor(LOCALRC);
    assert.deepEqual(
      shown(reconcile(plan, [])),
      plan.services.map((s) => `${s.service.name} create: no container yet`),
    );
  });

  it('keeps every service of a lab that is up and unchanged, and the migration that ran', async () => {
    const plan = await planFor(LOCALRC);
    const steps = reconcile(plan, upFrom(plan));
    assert.deepEqual(
      shown(steps),
      plan.services.map((s) => `${s.service.name} keep: ${s.service.oneShot ? 'ran to completion' : 'up to date'}`),
    );
    assert.equal(steps.find((s) => s.service === 'q-db-sync')?.done, true);
  });

  it('recreates only q-vpn when l3_agent.ini changed, and says so', async () => {
    const before = await planFor(LOCALRC);
    const after = await planFor({
      ...LOCALRC,
      'local.conf': '[[post-config|$Q_L3_CONF_FILE]]\n[DEFAULT]\nperiodic_interval = 41\n',
    });
    const changed = reconcile(after, upFrom(before)).filter((s) => s.action !== 'keep');
    assert.deepEqual(shown(changed), ['q-vpn recreate: rendered l3_agent.ini changed']);
  });

  it('names neutron.conf for every service that mounts it', async () => {
    const before = await planFor(LOCALRC);
    const after = await planFor({
      ...LOCALRC,
      'local.conf': '[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\napi_workers = 2\n',
    });
    assert.deepEqual(shown(reconcile(after, upFrom(before)).filter((s) => s.action !== 'keep')), [
      'q-db-sync recreate: rendered neutron.conf changed',
      'q-svc recreate: rendered neutron.conf changed',
      'q-agt recreate: rendered neutron.conf changed',
      'q-vpn recreate: rendered neutron.conf changed',
    ]);
  });

  it('makes q-vpn anew with q-agt, whose network namespace it shares, and restarts it with q-agt', async () => {
    const before = await planFor(LOCALRC);
    const after = await planFor({
      ...LOCALRC,
      'local.conf': '[[post-config|/$Q_PLUGIN_CONF_FILE]]\n[securitygroup]\nenable_security_group = False\n',
    });
    assert.deepEqual(shown(reconcile(after, upFrom(before)).filter((s) => s.action !== 'keep')), [
      'q-db-sync recreate: rendered ml2_conf.ini changed',
      'q-svc recreate: rendered ml2_conf.ini changed',
      'q-agt recreate: rendered ml2_conf.ini changed',
      "q-vpn recreate: it shares q-agt's network namespace, and q-agt is made anew",
    ]);
    assert.deepEqual(
      shown(reconcile(before, upFrom(before), { restart: ['q-agt'] }).filter((s) => s.action !== 'keep')),
      ['q-agt restart: asked to restart', "q-vpn restart: it shares q-agt's network namespace, and q-agt restarts"],
    );
    // Restarting q-vpn alone leaves q-agt (and the namespace) as it is.
    assert.deepEqual(
      shown(reconcile(before, upFrom(before), { restart: ['q-vpn'] }).filter((s) => s.action !== 'keep')),
      ['q-vpn restart: asked to restart'],
    );
    const stopped = before.services.map((s) =>
      madeFrom(s, s.service.name === 'q-agt' ? 'exited' : 'running', s.service.name === 'q-agt' ? 1 : undefined),
    );
    assert.deepEqual(shown(reconcile(before, stopped).filter((s) => s.action !== 'keep')), [
      'q-agt start: exited (1)',
      "q-vpn restart: it shares q-agt's network namespace, and q-agt restarts",
    ]);
  });

  it('recreates what runs on a rebuilt image, and names an image still to be built', async () => {
    const before = await planFor(LOCALRC);
    const rebuilt = reconcile(await planFor(LOCALRC, IMAGE_TWO), upFrom(before));
    assert.ok(
      rebuilt.every((s) => s.action === 'recreate'),
      shown(rebuilt).join('\n'),
    );
    assert.match(
      rebuilt.find((s) => s.service === 'q-svc')?.cause ?? '',
      /^image lab\/neutron:t was rebuilt \(111111111111 -> 222222222222\)$/,
    );
    const toBuild = reconcile(await planFor(LOCALRC, 'not built'), upFrom(before));
    assert.match(toBuild.find((s) => s.service === 'mysql')?.cause ?? '', /^image lab\/mysql:t is to be built/);
  });

  it('names a changed environment, and a container of an earlier lab', async () => {
    const before = await planFor(LOCALRC);
    const after = await planFor({ localrc: 'LAB_NAME=r\nSTRONGSWAN_PSK=another-secret\n' });
    assert.deepEqual(shown(reconcile(after, upFrom(before)).filter((s) => s.action !== 'keep')), [
      'strongswan recreate: its environment changed',
    ]);
    const old = upFrom(before).map((c) => ({ ...c, configHash: 'old', labels: { [LABEL.project]: 'r' } }));
    assert.match(
      shown(reconcile(before, old))[0] ?? '',
      /recreate: made by an earlier lab, which did not record what it was made from/,
    );
  });

  it('starts a stopped service and runs a failed migration again', async () => {
    const plan = await planFor(LOCALRC);
    const observed = plan.services.map((s) =>
      s.service.name === 'rabbit'
        ? madeFrom(s, 'exited', 137)
        : s.service.name === 'q-db-sync'
          ? madeFrom(s, 'exited', 1)
          : madeFrom(s),
    );
    assert.deepEqual(shown(reconcile(plan, observed).filter((s) => s.action !== 'keep')), [
      'rabbit start: exited (137)',
      'q-db-sync recreate: its last run did not complete (exited (1)): run again',
    ]);
  });

  it('removes a container whose service is no longer enabled', async () => {
    const full = await planFor(LOCALRC);
    const fewer = await planFor({
      localrc: 'LAB_NAME=r\nENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn,strongswan\n',
    });
    const steps = reconcile(fewer, upFrom(full));
    assert.deepEqual(shown(steps.filter((s) => s.action === 'remove')), ['csr remove: no longer in ENABLED_SERVICES']);
  });

  it('restarts what it is asked to, keeps the rest, and never removes', async () => {
    const full = await planFor(LOCALRC);
    const fewer = await planFor({
      localrc: 'LAB_NAME=r\nENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn,strongswan\n',
    });
    const steps = reconcile(fewer, upFrom(full), { restart: ['q-vpn'] });
    assert.deepEqual(shown(steps.filter((s) => s.action !== 'keep')), ['q-vpn restart: asked to restart']);
    assert.equal(
      steps.some((s) => s.action === 'remove'),
      false,
    );
    assert.match(
      shown(steps).find((s) => s.startsWith('q-svc')) ?? '',
      /keep: not asked to restart; q-vpn waits for it/,
    );
    assert.match(shown(steps).find((s) => s.startsWith('strongswan')) ?? '', /keep: not asked to restart$/);
  });

  it('starts a stopped service a restarted one waits for, without recreating it', async () => {
    const before = await planFor(LOCALRC);
    const after = await planFor({
      ...LOCALRC,
      'local.conf': '[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\napi_workers = 2\n',
    });
    const observed = before.services.map((s) =>
      madeFrom(s, s.service.name === 'q-svc' ? 'exited' : 'running', s.service.name === 'q-svc' ? 137 : undefined),
    );
    const steps = reconcile(after, observed, { restart: ['q-vpn'] });
    assert.deepEqual(shown(steps.filter((s) => s.action !== 'keep')), [
      'q-svc start: q-vpn waits for it (exited (137))',
      'q-vpn recreate: rendered neutron.conf changed',
    ]);
    // The migration q-svc waits for ran: kept, not run again.
    assert.equal(steps.find((s) => s.service === 'q-db-sync')?.done, true);
  });
});

describe('reconcileNetworks', () => {
  it('creates a missing network, keeps a current one, and refuses one whose subnet moved', async () => {
    const plan = await planFor(LOCALRC);
    const networks = plan.networks.map((n) => ({
      name: n.name,
      labels: n.labels,
      subnets: n.ipam ? [n.ipam.subnet] : ['172.18.0.0/16'],
    }));
    assert.deepEqual(
      reconcileNetworks(plan.networks, networks).map((n) => n.action),
      plan.networks.map(() => 'keep'),
    );
    assert.deepEqual(
      reconcileNetworks(plan.networks, []).map((n) => `${n.network} ${n.action}: ${n.cause}`),
      ['r-mgmt create: an address range Docker picks', 'r-public create: subnet 172.24.4.0/24'],
    );
    const moved = await planFor({ localrc: 'LAB_NAME=r\nFLOATING_RANGE=172.24.8.0/24\n' });
    const steps = reconcileNetworks(moved.networks, networks);
    assert.deepEqual(
      steps.map((n) => `${n.network} ${n.action}: ${n.cause}`),
      [
        'r-mgmt keep: up to date',
        "r-public conflict: made with 172.24.4.0/24; the lab now says 172.24.8.0/24 (Docker's part 172.24.8.0/25)",
      ],
    );
    // A network of an earlier lab (no hash label): its subnet decides.
    const unlabelled = networks.map((n) => ({ ...n, labels: {} }));
    assert.deepEqual(
      reconcileNetworks(moved.networks, unlabelled).map((n) => n.action),
      ['keep', 'conflict'],
    );
  });
});
