// The catalogue of hostile and careless input (test/catalogue.ts), held against this
// build: every input refused with exit 2, a message that says where, no stack trace, no
// raw control byte on the terminal, no hang, nothing of the user's changed, no process left
// running in the project; every request
// to the simulator answered as the device would, with the simulator alive after it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packageRoot } from '../lab/paths.js';
import { CSR_CASES, INPUT_CASES, runCsrCase, runInputCase } from './catalogue.js';

describe('the catalogue of bad input, against lab config', () => {
  for (const c of INPUT_CASES) {
    it(`refuses ${c.title}`, async () => {
      const result = await runInputCase(c, packageRoot, 30_000);
      assert.equal(
        result.outcome,
        'refused',
        `${result.outcome} (exit ${result.code}) after ${result.ms} ms:\n${result.stderr}`,
      );
      assert.ok(result.named, `the message names ${c.names}:\n${result.stderr}`);
      assert.deepEqual(result.lost, [], 'nothing of the project changed');
      assert.deepEqual(result.running, [], 'no process left running in the project');
      assert.ok(result.ms < 15_000, `answered in ${result.ms} ms`);
    });
  }
});

describe('the catalogue of bad requests, against the CSR simulator', () => {
  for (const c of CSR_CASES) {
    it(`answers ${c.title} with ${c.expect}, and lives on`, async () => {
      const result = await runCsrCase(c, packageRoot);
      assert.equal(
        result.outcome,
        'answered as the device',
        `${result.outcome}: ${result.status}, rss +${result.rssGrowthKiB} KiB`,
      );
    });
  }
});
