import { incrementalFileOf, mutationModules } from './scripts/mutation-modules.mjs';

// Mutation testing (`npm run mutation`, scripts/mutation.mjs): Stryker changes one thing at a time
// in the modules the safety invariants rest on (docs/mutation.md) and runs the tests that cover it;
// a change no test notices is a guard no test pins. The script runs Stryker once per module
// (FEDIMG_MUTATION_MODULE) with that module's test files; without it every module is mutated and
// every test file that imports one runs (hours). Incremental: a re-run tests only mutants whose
// code or tests changed since the last run.
const moduleName = process.env.FEDIMG_MUTATION_MODULE;
const selected = moduleName ? mutationModules.find((m) => m.name === moduleName) : undefined;
if (moduleName && !selected) {
  throw new Error(
    `FEDIMG_MUTATION_MODULE=${moduleName} is not one of: ${mutationModules.map((m) => m.name).join(', ')}`,
  );
}
// vitest.mutation.config.ts reads the list; Stryker's test runner processes inherit it.
if (selected) process.env.FEDIMG_MUTATION_TESTS = selected.tests.join(',');
const reportDir = selected ? `reports/mutation/${selected.name}` : 'reports/mutation';

export default {
  testRunner: 'vitest',
  checkers: ['typescript'],
  // src/ alone: a mutant is a compile error when src/ no longer type-checks; checking the tests,
  // the emulator and the scripts with every mutant too made the checker the slowest part of a run.
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Unit and integration tests only, each file in fresh modules: see vitest.mutation.config.ts.
  // Only test files that import the mutated module (Vitest's import graph) can see its mutant: a
  // mutant of a module-level value (which per-test coverage cannot place, so every test would run)
  // is tested by those files, not by the whole suite.
  // With one module's own test files (the script), all of them run.
  vitest: { configFile: 'vitest.mutation.config.ts', related: !selected },
  coverageAnalysis: 'perTest',
  mutate: selected ? [selected.file] : mutationModules.map((m) => m.file),
  incremental: true,
  incrementalFile: selected ? incrementalFileOf(selected.name) : 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${reportDir}/index.html` },
  jsonReporter: { fileName: `${reportDir}/mutation.json` },
  tempDirName: '.tmp/stryker',
  concurrency: 2,
  // Added to 1.5 × the covering tests' own time: a mutant that makes a wait endless is caught in
  // seconds rather than minutes.
  timeoutMS: 20_000,
  thresholds: { high: 85, low: 70, break: null },
};
