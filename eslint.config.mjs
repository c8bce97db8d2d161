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
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-empty-function': 'off' },
  },
);
