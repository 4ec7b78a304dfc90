// The registry of services (lab/services/): one home per service, and what reads from it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { catalogVariables, loadCatalog } from '../lab/catalog.js';
import { CONFIG_FILES } from '../lab/config/files.js';
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
});
