/**
 * The import-cycle check (`npm run check:cycles`, the last step of `npm run typecheck`):
 * madge over every `.ts` file and every Vue single-file component (`.vue`) of the
 * repository's source and test folders, failing on any cycle and on any import it cannot
 * resolve (an unresolved import is an edge the check would silently not see).
 *
 * What is checked: static `import` / `export … from`, `import type` and dynamic
 * `import()` of `.ts` files and of both `<script>` blocks of `.vue` files (madge reads
 * them through @vue/compiler-sfc), relative imports and workspace packages
 * (`@meshmeet/protocol`, `@meshmeet/testkit/lab`, …) alike. Not checked: npm packages
 * (they cannot import our code), and CSS.
 *
 * Why a script rather than the madge command line: `madge --ts-config <file>` hands its
 * resolver the parsed compiler options (enum numbers) where tsconfig JSON is expected, so
 * `moduleResolution: "bundler"` is lost and no workspace package resolves (they are
 * exports-only): every edge between workspaces was missing. Passing the tsconfig's own
 * JSON keeps the bundler resolution.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import madge from 'madge';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Folders checked, relative to the repository root. */
export const CYCLE_ROOTS = [
  'packages/protocol/src',
  'apps/server/src',
  'apps/server/test',
  'apps/web/src',
  'apps/web/test',
  'tools',
  'e2e',
  'bench',
  'scripts',
];

/** What one run found. */
export interface CycleReport {
  /** Every file in the graph, relative to `baseDir`. */
  files: string[];
  /** Each file's resolved imports (files within the graph only). */
  imports: Record<string, string[]>;
  /** Each cycle as the list of files it passes through. */
  cycles: string[][];
  /** Imports that resolved to no file. */
  unresolved: string[];
}

/**
 * Builds the import graph of `roots` (paths relative to `baseDir`) with the compiler
 * options of the repository's tsconfig.base.json, and returns its cycles.
 */
export async function findCycles(roots: string[], baseDir = ROOT): Promise<CycleReport> {
  const tsConfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: object };
  const result = await madge(
    roots.map((r) => join(baseDir, r)),
    {
      baseDir,
      fileExtensions: ['ts', 'vue'],
      // JSON, not a file name: see the header comment.
      tsConfig: { compilerOptions: tsConfig.compilerOptions },
      excludeRegExp: [/(^|\/)(node_modules|dist)\//],
    },
  );
  const imports = result.obj();
  return {
    files: Object.keys(imports),
    imports,
    cycles: result.circular(),
    unresolved: result.warnings().skipped,
  };
}

async function main(): Promise<void> {
  const report = await findCycles(CYCLE_ROOTS);
  const vue = report.files.filter((f) => f.endsWith('.vue')).length;
  console.log(`import cycles: ${report.files.length} files checked (${vue} .vue) in ${CYCLE_ROOTS.join(' ')}`);
  for (const cycle of report.cycles) console.error(`cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
  for (const name of report.unresolved) console.error(`unresolved import (not checked): ${name}`);
  if (report.cycles.length || report.unresolved.length) {
    console.error(`${report.cycles.length} cycle(s), ${report.unresolved.length} unresolved import(s)`);
    process.exit(1);
  }
  console.log('no import cycle');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
