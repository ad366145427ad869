/**
 * The import-cycle check sees what it claims to: cycles through `.vue` components (in
 * `<script setup lang="ts">` and in a plain `<script>`), cycles through a workspace
 * package imported by name (exports-only, resolved like the bundler does), and imports it
 * cannot resolve. Each fixture is a small tree written to a temporary folder.
 * Run: `node --import tsx --test scripts/check-cycles.test.ts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findCycles } from './check-cycles.js';

/** Writes `files` (path → content) under a new temporary folder and returns it. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-cycles-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const component = (script: string, setup = true) =>
  `<script ${setup ? 'setup ' : ''}lang="ts">\n${script}\n</script>\n\n<template><p>{{ 1 }}</p></template>\n`;

test('a cycle through a .vue component (script setup) fails the check', async () => {
  const dir = tree({
    'src/store.ts': "import Panel from './Panel.vue';\nexport const panels = [Panel];\n",
    'src/Panel.vue': component("import { panels } from './store';\nconst n = panels.length;"),
  });
  try {
    const report = await findCycles(['src'], dir);
    assert.deepEqual(report.cycles, [['src/Panel.vue', 'src/store.ts']]);
    assert.deepEqual(report.unresolved, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two components that import each other, imported by no .ts file, are still checked', async () => {
  // madge follows imports from .ts into .vue files anyway; a component only other
  // components (or nothing) import is seen only because .vue files are roots too.
  const dir = tree({
    'src/main.ts': "export const version = 1;\n",
    'src/List.vue': component("import Item from './Item.vue';\nconst parts = [Item];"),
    'src/Item.vue': component("import List from './List.vue';\nconst parent = List;"),
  });
  try {
    const report = await findCycles(['src'], dir);
    assert.deepEqual(report.cycles, [['src/Item.vue', 'src/List.vue']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cycle between two components through a plain <script> and a type import is found', async () => {
  const dir = tree({
    'src/A.vue': component("import B from './B.vue';\nexport default { components: { B } };", false),
    'src/B.vue': component("import type { Shape } from './shape';\nconst s: Shape | null = null;"),
    'src/shape.ts': "import type A from './A.vue';\nexport type Shape = typeof A;\n",
  });
  try {
    const report = await findCycles(['src'], dir);
    assert.equal(report.cycles.length, 1);
    assert.deepEqual([...report.cycles[0]!].sort(), ['src/A.vue', 'src/B.vue', 'src/shape.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same components without the back edge: no cycle, and the .vue edges are in the graph', async () => {
  const dir = tree({
    'src/store.ts': "import Panel from './Panel.vue';\nexport const panels = [Panel];\n",
    'src/Panel.vue': component("import { label } from './label';\nconst n = label;"),
    'src/label.ts': "export const label = 'x';\n",
  });
  try {
    const report = await findCycles(['src'], dir);
    assert.deepEqual(report.cycles, []);
    assert.deepEqual(report.imports['src/store.ts'], ['src/Panel.vue']);
    assert.deepEqual(report.imports['src/Panel.vue'], ['src/label.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cycle through a workspace package imported by name (exports map) is found', async () => {
  const dir = tree({
    'app/main.ts': "import { helper } from '@fixture/kit/helpers';\nexport const name = helper();\n",
    'kit/package.json': JSON.stringify({ name: '@fixture/kit', type: 'module', exports: { './helpers': './src/helpers.ts' } }),
    'kit/src/helpers.ts': "import { name } from '../../app/main';\nexport const helper = () => name;\n",
  });
  try {
    // What npm does for a workspace: a symlink in node_modules.
    mkdirSync(join(dir, 'node_modules/@fixture'), { recursive: true });
    symlinkSync(join(dir, 'kit'), join(dir, 'node_modules/@fixture/kit'), 'dir');
    const report = await findCycles(['app', 'kit'], dir);
    assert.deepEqual(report.unresolved, []);
    assert.deepEqual(report.imports['app/main.ts'], ['kit/src/helpers.ts']);
    assert.deepEqual(report.cycles, [['app/main.ts', 'kit/src/helpers.ts']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an import that resolves to no file is reported (so the check can refuse it)', async () => {
  const dir = tree({
    'src/Panel.vue': component("import { gone } from './gone';\nconst g = gone;"),
  });
  try {
    const report = await findCycles(['src'], dir);
    assert.deepEqual(report.unresolved, ['./gone']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
