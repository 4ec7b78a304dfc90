import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { catalogVariables, loadCatalog, parseCatalog } from '../lab/stack/catalog.js';
import { InputError } from '../lab/errors.js';
import { renderedPath } from '../lab/config/labdir.js';
import { LABEL } from '../lab/labels.js';
import { loadLab, type LoadedLab } from '../lab/load.js';
import { planLab, startOrder } from '../lab/stack/plan.js';
import { cleanEnv, removeScratch, scratch } from './helpers.js';
import { DEFAULT_RELEASE } from '../lab/config/release.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));

async function lab(files: Record<string, string>, cwd = scratch()): Promise<LoadedLab> {
  if (!dirs.includes(cwd)) dirs.push(cwd);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(cwd, name), text);
  return loadLab({
    cwd,
    env: cleanEnv(),
    secrets: { stored: () => ({}), generate: () => 'fixed', storeName: () => 'memory' },
  });
}

function plan(loaded: LoadedLab, imageId = 'sha256:one') {
  const catalog = loadCatalog(catalogVariables(loaded.config));
  const images = new Map(catalog.services.map((s) => [s.context, { tag: `lab/${s.name}:t`, id: imageId }]));
  const mounted = new Map(
    loaded.rendering.files.map((f) => [
      renderedPath(loaded.config.labDir, f.spec.containerPath),
      f.document.toString(),
    ]),
  );
  return planLab(loaded.config, catalog, images, mounted);
}

const hashes = (p: ReturnType<typeof plan>) =>
  Object.fromEntries(p.services.map((s) => [s.service.name, s.configHash]));

describe('the plan', () => {
  it('names and labels every container, network and volume for the lab', async () => {
    const p = plan(await lab({ localrc: 'LAB_NAME=planned\nENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn\n' }));
    assert.deepEqual(
      p.services.map((s) => s.containerName),
      ['planned-mysql', 'planned-rabbit', 'planned-q-db-sync', 'planned-q-svc', 'planned-q-agt', 'planned-q-vpn'],
    );
    for (const s of p.services) {
      assert.equal(s.create.Labels?.[LABEL.project], 'planned');
      assert.equal(s.create.Labels?.[LABEL.service], s.service.name);
      assert.equal(s.create.Labels?.[LABEL.configHash], s.configHash);
      assert.equal(s.create.Labels?.[LABEL.release], DEFAULT_RELEASE);
    }
    assert.deepEqual(
      p.networks.map((n) => [n.name, n.labels[LABEL.project]]),
      [
        ['planned-mgmt', 'planned'],
        ['planned-public', 'planned'],
      ],
    );
    assert.deepEqual(p.networks.find((n) => n.name === 'planned-public')?.ipam, {
      subnet: '172.24.4.0/24',
      ipRange: '172.24.4.0/25',
      gateway: '172.24.4.1',
    });
    assert.deepEqual(
      p.volumes.map((v) => v.name),
      [`planned-mysql-data-${DEFAULT_RELEASE}`],
    );
    const vpn = p.services.find((s) => s.service.name === 'q-vpn');
    // What q-vpn may do, as measured (README "What q-vpn can do"): no more than these, and
    // Docker's masked and read-only paths as for any container.
    assert.deepEqual(vpn?.create.HostConfig?.CapAdd, ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW']);
    assert.deepEqual(vpn?.create.HostConfig?.SecurityOpt, ['apparmor=unconfined']);
    assert.equal(vpn?.create.HostConfig?.MaskedPaths, undefined);
    assert.equal(vpn?.create.HostConfig?.ReadonlyPaths, undefined);
    assert.equal(vpn?.create.HostConfig?.Privileged, undefined);
    // q-vpn joins q-agt's network namespace, by its container's name, with no networks of its own.
    assert.equal(vpn?.create.HostConfig?.NetworkMode, 'container:planned-q-agt');
    assert.equal(vpn?.create.NetworkingConfig, undefined);
    assert.deepEqual(vpn?.extraNetworks, []);
    assert.equal(vpn?.create.Hostname, undefined);
    assert.equal(p.services.find((s) => s.service.name === 'q-agt')?.create.Hostname, 'q-vpn');
  });

  it('starts only enabled services, each after what it waits for', async () => {
    const p = plan(await lab({ localrc: 'ENABLED_SERVICES=mysql,q-svc\n' }));
    assert.deepEqual(
      startOrder(p.services).map((s) => s.service.name),
      ['mysql', 'q-db-sync', 'q-svc'],
    );
    assert.match(p.warnings.map((w) => w.message).join('\n'), /q-svc needs rabbit, which is not enabled/);
  });

  it('changes the hash of exactly the services whose rendered files or image changed', async () => {
    // One directory throughout: the lab directory (and so the mount paths) stays the same.
    const cwd = scratch();
    const base = hashes(plan(await lab({ localrc: 'LAB_NAME=h\n' }, cwd)));
    const same = hashes(plan(await lab({ localrc: 'LAB_NAME=h\n' }, cwd)));
    assert.deepEqual(same, base, 'an unchanged config keeps every hash');
    const agentOnly = hashes(
      plan(
        await lab(
          {
            localrc: 'LAB_NAME=h\n',
            'local.conf': '[[post-config|$Q_L3_CONF_FILE]]\n[DEFAULT]\nperiodic_interval = 41\n',
          },
          cwd,
        ),
      ),
    );
    const changed = Object.keys(base).filter((k) => base[k] !== agentOnly[k]);
    assert.deepEqual(changed, ['q-vpn']);
    const serverConf = hashes(
      plan(
        await lab(
          { localrc: 'LAB_NAME=h\n', 'local.conf': '[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\napi_workers = 2\n' },
          cwd,
        ),
      ),
    );
    assert.deepEqual(
      Object.keys(base).filter((k) => base[k] !== serverConf[k]),
      ['q-db-sync', 'q-svc', 'q-agt', 'q-vpn'],
    );
    const newImage = hashes(plan(await lab({ localrc: 'LAB_NAME=h\n', 'local.conf': '' }, cwd), 'sha256:two'));
    const sameAgain = hashes(plan(await lab({ localrc: 'LAB_NAME=h\n', 'local.conf': '' }, cwd)));
    assert.deepEqual(sameAgain, base, 'an empty local.conf changes nothing');
    assert.ok(Object.keys(base).every((k) => base[k] !== newImage[k]));
  });

  it('refuses a catalog whose dependencies make a cycle, instead of waiting forever', async () => {
    const loaded = await lab({ localrc: 'ENABLED_SERVICES=mysql,rabbit\n' });
    const catalog = parseCatalog(
      'networks: {mgmt: {}}\nservices:\n  a:\n    build: {context: x}\n    depends_on: {b: {condition: service_healthy}}\n    x-lab: {service: mysql}\n  b:\n    build: {context: x}\n    depends_on: {a: {condition: service_healthy}}\n    x-lab: {service: rabbit}\n',
      catalogVariables(loaded.config),
      '/x/lab.yaml',
    );
    const images = new Map(catalog.services.map((s) => [s.context, { tag: 't', id: 'i' }]));
    assert.throws(
      () => planLab(loaded.config, catalog, images, new Map()),
      (error: unknown) => error instanceof InputError && /depends_on makes a cycle among a, b/.test(error.message),
    );
  });
});
