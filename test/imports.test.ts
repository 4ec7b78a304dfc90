// No import cycle in lab/: an ES module cycle makes a module see another's bindings before
// they are set, so the order files happen to be loaded in decides whether lab starts. Type-only
// imports are erased by tsc and do not count.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packagePath } from '../lab/paths.js';

const LAB = packagePath('lab');

/** Each lab/ source file with the lab/ files it imports at run time. */
function importGraph(): Map<string, string[]> {
  const files = (fs.readdirSync(LAB, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = fs.readFileSync(path.join(LAB, file), 'utf8');
    const imports = [...source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms)].map((m) =>
      path.normalize(path.join(path.dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts'))),
    );
    graph.set(file, imports);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      found.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  return found;
}

describe('lab/ imports', () => {
  it('reads every source file, with their imports', () => {
    const graph = importGraph();
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok(graph.get(path.join('services', 'q-vpn.ts'))?.includes(path.join('check', 'data-path.ts')));
  });

  it('has no cycle', () => {
    assert.deepEqual(cycles(importGraph()), []);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    assert.deepEqual(cycles(graph), ['a.ts -> b.ts -> c.ts -> a.ts']);
  });
});
