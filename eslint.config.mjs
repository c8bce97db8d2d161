// ESLint flat config: typescript-eslint's recommended rules plus the type-aware ones that catch
// real bugs in this code base (a promise nobody awaits, a switch that misses a new union member).
// Run by `npm run lint`, part of `npm test`. Import direction is checked by dependency-cruiser.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.deploy-check/', 'bench/', 'scripts/', '**/*.check.ts'] },
  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // A closure may read a variable that is assigned once, later (e.g. a signal handler and the running service).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // DESIGN.md: only the entry points read the environment; everything else gets typed settings.
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/cli.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/main.ts and src/cli.ts read process.env; pass typed settings down instead.' }],
    },
  },
  {
    // Tests may use non-null assertions on values they have just checked, and empty stubs.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      // Tests wait on conditions, never on time: `until` in test/helpers/wait.ts is the one place that
      // polls (with a deadline). Time the code needs to pass is the injected clock's, moved by the test.
      'no-restricted-syntax': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate'].map((timer) => ({
          selector: `CallExpression[callee.name='${timer}'], CallExpression[callee.object.name='globalThis'][callee.property.name='${timer}'], NewExpression > Identifier[name='${timer}'], CallExpression > Identifier.arguments[name='${timer}']`,
          message: `No ${timer} in tests: wait on a condition with until() from test/helpers/wait.ts, and move the injected clock for time the code needs.`,
        })),
        {
          selector: "ImportDeclaration[source.value=/^(node:)?timers(\\u002Fpromises)?$/], CallExpression[callee.name='require'] > Literal[value=/^(node:)?timers/]",
          message: 'No timers in tests: wait on a condition with until() from test/helpers/wait.ts.',
        },
      ],
    },
  },
  {
    // The single wait helper; and the tests of the benchmarks' load generator, which is real time by
    // definition (they measure schedules and hold replies on purpose).
    files: ['test/helpers/wait.ts', 'test/unit/bench/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
