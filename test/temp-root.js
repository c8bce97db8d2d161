/**
 * One temporary root per `jest` run. Every test makes its directories with `mkdtemp(os.tmpdir())`;
 * pointing TMPDIR at this root before the workers start keeps them (spools, journals, the servers'
 * data, browser profiles) in one place, and the teardown removes it, so a run that ends leaves no
 * directories behind, whichever test forgot its own cleanup or failed before reaching it.
 */
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

async function setup() {
  // The TMPDIR the run started with (a second run in `jest --watch` starts from it again).
  globalThis.imgwOuterTmp ??= tmpdir();
  const root = mkdtempSync(join(globalThis.imgwOuterTmp, 'imgw-test-'));
  // Passable, not listable, by other users: PostgreSQL runs as `postgres` in a directory made for it here.
  chmodSync(root, 0o711);
  globalThis.imgwTestRoot = root;
  process.env.TMPDIR = root;
}

async function teardown() {
  const root = globalThis.imgwTestRoot;
  process.env.TMPDIR = globalThis.imgwOuterTmp;
  if (root === undefined) return;
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    // A server still writing into it (a detached postmaster) must not fail a run whose tests passed.
    process.stderr.write(`could not remove the test run's temporary root ${root}: ${error.message}\n`);
  }
}

module.exports = { setup, teardown };
