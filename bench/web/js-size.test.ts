import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticImports } from './js-size.js';

test('staticImports finds static imports and re-exports in minified output, never dynamic ones', () => {
  const code =
    'import{a as e,b as t}from"./vue-abc.js";import"./side.js";export*from"./re.js";' +
    'const x=()=>import("./lazy.js");n(()=>import("./lazy2.js"),[]);import x2 from "./def.js"';
  assert.deepEqual(staticImports(code), ['./vue-abc.js', './side.js', './re.js', './def.js']);
});
