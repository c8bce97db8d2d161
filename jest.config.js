/** Projects, selected by folder: `jest --selectProjects unit|integration|fault|deploy`. */
const project = (name) => ({
  displayName: name,
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
});
module.exports = {
  projects: [project('unit'), project('integration'), project('fault'), project('deploy')],
  testTimeout: 30000,
};
