import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What ships, linted with type information (scripts/check-types-and-lint.mjs gives it its program). */
export const TYPE_AWARE_FILES = ['src/**/*.ts', 'emulator/**/*.ts', 'scripts/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['test/**', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Type-aware promise rules: a promise nobody awaits loses its failure, and one passed where a
    // plain callback is expected (an event handler, a forEach) is never awaited either. On what
    // ships (src/, emulator/, scripts/): type-aware linting of the tests too would double the time
    // of npm test's lint for code whose unawaited promises fail the test that holds them.
    files: TYPE_AWARE_FILES,
    languageOptions: {
      parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
);
