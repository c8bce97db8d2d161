/** Two projects, selected by folder: `jest --selectProjects unit|integration`. */
const project = (name) => ({
  displayName: name,
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
});
module.exports = {
  projects: [project('unit'), project('integration')],
  testTimeout: 30000,
};
