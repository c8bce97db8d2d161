/**
 * One temporary root per `jest` run. Every test makes its directories with `mkdtemp(os.tmpdir())`;
 * pointing TMPDIR at this root before the workers start keeps them (spools, journals, server data,
 * browser profiles) in one place, and the teardown removes it, so no run leaves directories behind,
 * whichever test forgot its own cleanup or failed before reaching it.
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

async function setup() {
  const root = mkdtempSync(join(tmpdir(), 'imgw-test-'));
  globalThis.imgwTestRoot = root;
  process.env.TMPDIR = root;
}

async function teardown() {
  const root = globalThis.imgwTestRoot;
  if (root) rmSync(root, { recursive: true, force: true });
}

module.exports = { setup, teardown };
