'use strict';
// Loads a TypeScript test helper (test/helpers/<name>.ts, e.g. a vendor's stand-in) into a benchmark:
// it and the helpers it imports with './' are transpiled to CommonJS in `dir`, then required. The
// helpers import only node: modules, types and each other, so no type check or bundler is needed.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const helpers = join(__dirname, '..', '..', 'test', 'helpers');

/** Transpiles `name` and its local imports into `dir` (each once) and returns its exports. */
function loadTestHelper(name, dir) {
  const ts = require('typescript');
  const done = new Set();
  const emit = (module) => {
    if (done.has(module)) return;
    done.add(module);
    const source = readFileSync(join(helpers, `${module}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
    writeFileSync(join(dir, `${module}.js`), outputText);
    for (const [, local] of outputText.matchAll(/require\("\.\/([\w-]+)"\)/g)) emit(local);
  };
  emit(name);
  return require(join(dir, `${name}.js`));
}

module.exports = { loadTestHelper };
