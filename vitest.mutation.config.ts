import { configDefaults } from 'vitest/config';
import base from './vitest.config.js';

// The tests `npm run mutation` runs against each mutant (stryker.config.mjs). Only tests that load
// src/ into the test process can see a mutant: the bundle (test/dist, the workflow rehearsals) and
// child processes (the reliability suite's CLI runs) run code Stryker never changed. Each file
// loads its modules afresh (isolate): a mutant of a module-level value (a pattern, a table) takes
// effect only when the module is evaluated under it; shared between files it never would.
// The layout test reads the source files' text, which Stryker's instrumentation lengthens.
// FEDIMG_MUTATION_TESTS (set by stryker.config.mjs for one module) narrows the run to that module's
// test files (scripts/mutation-modules.mjs).
const only = process.env.FEDIMG_MUTATION_TESTS?.split(',').filter(Boolean);

export default {
  ...base,
  test: {
    ...base.test,
    isolate: true,
    include: only?.length ? only : ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/unit/layout.test.ts'],
  },
};
