import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'node:test';
import { shownDefault, VARIABLES } from '../lab/config/variables.js';
import { packagePath } from '../lab/paths.js';

it('the README table lists every localrc variable lab reads, with its default', () => {
  const readme = fs.readFileSync(packagePath('README.md'), 'utf8');
  for (const variable of VARIABLES) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
    assert.ok(row, `README has no table row for ${variable.name}`);
    assert.notEqual(shownDefault(variable), '', `${variable.name} has no default to show`);
    assert.ok(
      row.includes(shownDefault(variable)),
      `README row of ${variable.name} does not show its default ${shownDefault(variable)}`,
    );
  }
});
