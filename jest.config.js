/**
 * Projects, selected by folder: `jest --selectProjects unit|integration|fault|deploy|scale`.
 * scale: several gateway processes behind nginx on a three-node NATS cluster (needs `npm run build`).
 * browser: the operator console in Debian's chromium through Playwright (needs `npm run build`).
 */
const project = (name, extra = {}) => ({
  displayName: name,
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});
module.exports = {
  projects: [project('unit'), project('integration'), project('fault'), project('deploy'), project('scale'), project('browser', { testTimeout: 120000 })],
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
};
