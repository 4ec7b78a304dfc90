// Golden rendered files: the exact text neutron-server and the VPN agent will be started with.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm test
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CONFIG_FILES } from '../lab/config/files.js';
import { packagePath } from '../lab/paths.js';
import { fixture, lab, readRendered, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));

const goldens: { name: string; files: Record<string, string>; labName: string; env?: Record<string, string> }[] = [
  // The embedded default, with the passwords given through the environment so the text is stable.
  {
    name: 'default',
    files: {},
    labName: 'lab',
    env: { DATABASE_PASSWORD: 'golden-db', RABBIT_PASSWORD: 'golden-rabbit' },
  },
  { name: 'two-providers', files: { 'local.conf': fixture('two-providers.local.conf') }, labName: 'multi' },
  // Zed's Linux bridge wiring.
  {
    name: 'zed',
    files: { localrc: 'LAB_NAME=zed\nOPENSTACK_RELEASE=zed\n' },
    labName: 'zed',
    env: { DATABASE_PASSWORD: 'golden-db', RABBIT_PASSWORD: 'golden-rabbit' },
  },
];

describe('golden rendered files', () => {
  for (const golden of goldens) {
    it(`renders the ${golden.name} lab exactly as recorded`, async () => {
      const cwd = scratch(golden.files);
      dirs.push(cwd);
      const result = await lab(['config'], { cwd, ...(golden.env ? { env: golden.env } : {}) });
      assert.equal(result.code, 0, result.stderr);
      for (const spec of CONFIG_FILES) {
        const actual = readRendered(cwd, golden.labName, spec.containerPath);
        const file = packagePath('test', 'golden', golden.name, spec.id);
        if (process.env.UPDATE_GOLDEN === '1') {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, actual);
        }
        assert.equal(actual, fs.readFileSync(file, 'utf8'), `${golden.name}/${spec.id}`);
      }
    });
  }
});
