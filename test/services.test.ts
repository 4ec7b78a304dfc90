// The registry of services (lab/services/): one home per service, and what reads from it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { catalogVariables, loadCatalog } from '../lab/stack/catalog.js';
import { applicableChecks } from '../lab/check/runner.js';
import { CONFIG_FILES } from '../lab/config/files.js';
import { VariableReader } from '../lab/config/reader.js';
import { readByTheirSpec } from '../lab/config/resolve.js';
import { VARIABLES } from '../lab/config/variables.js';
import { aliasGroups, classifyService, DEFAULT_SERVICES, LAB_SERVICES } from '../lab/config/services.js';
import { SERVICES } from '../lab/services/index.js';
import { loadLab } from '../lab/load.js';
import { cleanEnv, lab, scratchDirs } from './helpers.js';

const dirs = scratchDirs();

describe('the service registry', () => {
  it('keeps the services lab knows apart from those on by default', () => {
    assert.deepEqual(
      LAB_SERVICES,
      SERVICES.map((s) => s.name),
    );
    assert.equal(
      DEFAULT_SERVICES,
      SERVICES.filter((s) => s.byDefault)
        .map((s) => s.name)
        .join(','),
    );
  });

  it("has a catalog block for every service, and every catalog block's service in it", async () => {
    const loaded = await loadLab({
      cwd: dirs(),
      env: cleanEnv(),
      secrets: { stored: () => ({}), generate: () => 'x', storeName: () => 'memory' },
    });
    const catalog = loadCatalog(catalogVariables(loaded.config));
    assert.deepEqual([...new Set(catalog.services.map((s) => s.partOf))].sort(), [...LAB_SERVICES].sort());
  });

  it('says which services read each rendered file, from what each service reads', () => {
    for (const file of CONFIG_FILES)
      assert.deepEqual(
        file.services,
        SERVICES.filter((s) => s.reads?.includes(file.id)).map((s) => s.name),
        file.id,
      );
    assert.deepEqual(CONFIG_FILES.find((f) => f.id === 'l3_agent.ini')?.services, ['q-vpn']);
  });

  it('gives the localrc its aliases: disable_service q-l3 disables q-vpn', async () => {
    assert.equal(aliasGroups(), 'q-vpn:q-l3');
    assert.deepEqual(classifyService('q-l3'), { kind: 'lab', name: 'q-vpn' });
    const cwd = dirs();
    fs.writeFileSync(path.join(cwd, 'localrc'), 'disable_service q-l3\n');
    const result = await lab(['config', '--json'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      (JSON.parse(result.stdout) as { enabledServices: string[] }).enabledServices,
      DEFAULT_SERVICES.split(',').filter((s) => s !== 'q-vpn'),
    );
  });

  it("runs each enabled service's checks, and a check only when the services it needs are on", () => {
    const ids = (enabled: string[]) => applicableChecks(enabled).map((c) => c.id);
    assert.deepEqual(ids([...LAB_SERVICES]), [...SERVICES.flatMap((s) => (s.checks ?? []).map((c) => c.id)), 'code']);
    assert.deepEqual(ids(['q-svc']), ['server', 'vpn-api', 'database', 'code']);
    // Without q-svc the VPN agent's own checks run, not those that read the API's VPN resources.
    assert.deepEqual(ids(['q-vpn']), ['agent', 'device-driver', 'code']);
    assert.deepEqual(ids(['mysql', 'rabbit']), ['code']);
    const all = applicableChecks([...LAB_SERVICES]).map((c) => c.id);
    assert.equal(new Set(all).size, all.length, 'check ids are unique');
  });

  it("holds each service's localrc variables, and reads a new service's without code of its own", async () => {
    for (const service of SERVICES)
      for (const variable of service.variables ?? [])
        assert.ok(
          VARIABLES.some((v) => v.name === variable.name),
          `${variable.name} of ${service.name} is a lab variable`,
        );
    // A service the next issue might add: its port, user and password exist only in its spec.
    const specs = [
      { name: 'KEYSTONE_PORT', default: '5000', description: 'port', published: true },
      { name: 'KEYSTONE_ADMIN_USER', default: 'admin', description: 'user' },
      { name: 'KEYSTONE_SERVICE_PASSWORD', shownDefault: '(generated)', description: 'password', secret: true },
    ];
    const read = (values: Record<string, string>) => {
      const r = new VariableReader(
        { kind: 'localrc', script: '', scriptDisplay: 'localrc', topDir: '/nowhere', notes: [], warnings: [] },
        {
          values: new Map(Object.entries(values)),
          lines: new Map(Object.keys(values).map((name, i) => [name, i + 1])),
          plugins: [],
          warnings: [],
        },
        {},
        { stored: () => ({}), generate: () => 'made-up-secret', storeName: () => 'memory' },
      );
      return { r, secrets: readByTheirSpec(r, specs, '/nowhere') };
    };
    const unset = read({});
    assert.equal(unset.r.settings.KEYSTONE_PORT?.value, '5000');
    assert.equal(unset.r.settings.KEYSTONE_ADMIN_USER?.value, 'admin');
    assert.equal(unset.r.settings.KEYSTONE_SERVICE_PASSWORD?.origin.kind, 'generated');
    assert.deepEqual(unset.secrets, ['made-up-secret']);
    assert.deepEqual(unset.r.generated, { KEYSTONE_SERVICE_PASSWORD: 'made-up-secret' });
    const given = read({ KEYSTONE_PORT: '5001', KEYSTONE_SERVICE_PASSWORD: 'pw' });
    assert.equal(given.r.settings.KEYSTONE_PORT?.value, '5001');
    assert.deepEqual(given.r.settings.KEYSTONE_PORT?.origin, { kind: 'localrc', file: 'localrc', line: 1 });
    assert.deepEqual(given.secrets, ['pw']);
    const bad = read({ KEYSTONE_PORT: '70000' });
    assert.match(
      bad.r.problems.problems.map((p) => `${p.where}: ${p.message}`).join('\n'),
      /localrc line 1: KEYSTONE_PORT="70000" is not a whole number from 1 to 65535; write e.g. KEYSTONE_PORT=5000/,
    );
  });
});
