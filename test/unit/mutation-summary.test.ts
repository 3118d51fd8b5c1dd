import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mutationModules } from '../../scripts/mutation-modules.mjs';
import { countMutants, summarize, summaryMarkdown } from '../../scripts/mutation-summary.mjs';

// `npm run mutation` runs Stryker once per module; the score over all of them is summed from the
// per-module reports, so a wrong sum would claim a score no run had.
const report = (...statuses: string[]) => ({
  schemaVersion: '2',
  files: {
    'src/x.ts': {
      language: 'typescript',
      source: '',
      mutants: statuses.map((status, i) => ({ id: String(i), status })),
    },
  },
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function writeReport(name: string, content: unknown, seconds?: number): void {
  mkdirSync(join(dir!, name), { recursive: true });
  writeFileSync(join(dir!, name, 'mutation.json'), JSON.stringify(content));
  if (seconds !== undefined) writeFileSync(join(dir!, name, 'run.json'), JSON.stringify({ seconds }));
}

const modules = [
  { name: 'a', file: 'src/a.ts', tests: [] },
  { name: 'b', file: 'src/b.ts', tests: [] },
];

describe('the mutation score over every module', () => {
  it('counts as Stryker does: timeouts detected, no coverage undetected, compile errors not counted', () => {
    expect(
      countMutants(
        report('Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored'),
      ),
    ).toEqual({ mutants: 7, killed: 1, timeout: 1, survived: 1, noCoverage: 1, errors: 3 });
  });

  it('sums the modules, mutants rather than module scores, and their times', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeReport('a', report('Killed', 'Killed', 'Killed', 'Survived'), 120);
    writeReport('b', report('Timeout', 'CompileError', 'NoCoverage', 'NoCoverage'), 59);
    const summary = summarize(dir, modules);
    expect(summary.missing).toEqual([]);
    expect(summary.total).toEqual({
      mutants: 8,
      killed: 3,
      timeout: 1,
      survived: 1,
      noCoverage: 2,
      errors: 1,
    });
    // 4 detected of 7 valid; the mean of the modules' scores (75 % and 33 %) would be 54 %.
    expect(summary.score).toBeCloseTo((100 * 4) / 7);
    expect(summary.seconds).toBe(179);
    const markdown = summaryMarkdown(summary, 85);
    expect(markdown).toContain('| `src/a.ts` | 4 | 3 | 0 | 1 | 0 | 0 | 75.0 % | 2 min |');
    expect(markdown).toContain('| **all** | 8 | 3 | 1 | 1 | 2 | 1 | **57.1 %** | 3 min |');
    expect(markdown).toContain('below the goal of 85 %');
  });

  it('does not call a run over some modules a complete one', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeReport('b', report('Killed'), 10);
    const summary = summarize(dir, modules);
    expect(summary.missing).toEqual(['a']);
    const markdown = summaryMarkdown(summary, 85);
    expect(markdown).toContain('| `src/a.ts` | not run |');
    expect(markdown).toContain('Not a complete run: no report for a (`npm run mutation -- a`).');
    expect(markdown).not.toContain('goal');
  });

  it('says when the goal is met, and gives no time when a module has none', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeReport('a', report('Killed', 'Killed', 'Killed', 'Killed', 'Killed', 'Survived'), 60);
    writeReport('b', report('Killed'));
    const summary = summarize(dir, modules);
    expect(summary.seconds).toBeUndefined();
    expect(summaryMarkdown(summary, 85)).toContain('Mutation score 85.7 %: at or above the goal of 85 %.');
  });

  it('lists each module once, its file and its test files existing', async () => {
    const { existsSync } = await import('node:fs');
    expect(new Set(mutationModules.map((m) => m.name)).size).toBe(mutationModules.length);
    for (const module of mutationModules) {
      expect(existsSync(module.file), module.file).toBe(true);
      expect(module.tests.length, module.name).toBeGreaterThan(0);
      for (const test of module.tests) expect(existsSync(test), test).toBe(true);
    }
  });
});
