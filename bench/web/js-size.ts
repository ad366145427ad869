/**
 * Initial JavaScript of the built web app: the entry chunk named in `index.html` plus
 * every chunk it imports statically (transitively) — what the browser must fetch before
 * the first screen can run. Dynamic `import()` chunks are excluded on purpose: they load
 * later, which is exactly what the 60 KB budget encourages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Sizes of one chunk. */
export interface ChunkSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** Result of {@link initialJsSize}. */
export interface InitialSize {
  chunks: ChunkSize[];
  totalBytes: number;
  totalGzipBytes: number;
  /** Initial CSS (linked from index.html), gzip bytes, for information. */
  cssGzipBytes: number;
}

// `import x from"./a.js"`, `import{a}from"./a.js"`, `import"./a.js"`, `export*from"./a.js"`.
// A dynamic `import("./a.js")` has a parenthesis after `import` and never matches.
const STATIC_IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g;

/** Static import specifiers found in a (minified) ES module. */
export function staticImports(code: string): string[] {
  return [...code.matchAll(STATIC_IMPORT)].map((m) => m[1]!);
}

const gz = (buf: Buffer) => gzipSync(buf, { level: 9 }).length;

/** Measures the initial JS of the app built in `distDir` (e.g. apps/web/dist). */
export function initialJsSize(distDir: string): InitialSize {
  const htmlPath = join(distDir, 'index.html');
  if (!existsSync(htmlPath)) throw new Error(`${htmlPath} missing: run \`npm run build\` first`);
  const html = readFileSync(htmlPath, 'utf8');
  const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]+)"`).exec(tag)?.[1];
  const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
  const queue: string[] = [];
  const css: string[] = [];
  for (const tag of tags) {
    if (tag.startsWith('<script') && /type="module"/.test(tag)) {
      const src = attr(tag, 'src');
      if (src) queue.push(src);
    } else if (tag.startsWith('<link')) {
      const rel = attr(tag, 'rel');
      const href = attr(tag, 'href');
      if (href && rel === 'modulepreload') queue.push(href);
      if (href && rel === 'stylesheet') css.push(href);
    }
  }
  const toFile = (url: string) => join(distDir, url.replace(/^\//, '').replace(/[?#].*$/, ''));
  const seen = new Set<string>();
  const chunks: ChunkSize[] = [];
  while (queue.length) {
    const url = posix.normalize(queue.shift()!);
    if (seen.has(url) || /^https?:/.test(url)) continue;
    seen.add(url);
    const buf = readFileSync(toFile(url));
    chunks.push({ file: url, bytes: buf.length, gzipBytes: gz(buf) });
    for (const spec of staticImports(buf.toString('utf8'))) {
      if (spec.startsWith('.')) queue.push(posix.join(posix.dirname(url), spec));
      else if (spec.startsWith('/')) queue.push(spec);
    }
  }
  const cssGzipBytes = css.reduce((s, href) => s + gz(readFileSync(toFile(href))), 0);
  return {
    chunks,
    totalBytes: chunks.reduce((s, c) => s + c.bytes, 0),
    totalGzipBytes: chunks.reduce((s, c) => s + c.gzipBytes, 0),
    cssGzipBytes,
  };
}

/** The dist directory measured: `MESHMEET_WEB_DIST`, else apps/web/dist. */
export const DEFAULT_DIST = process.env.MESHMEET_WEB_DIST ?? resolve(dirname(new URL(import.meta.url).pathname), '../../apps/web/dist');
