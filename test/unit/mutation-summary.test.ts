import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mutationModules } from '../../scripts/mutation-modules.mjs';
import {
  countMutants,
  explainedPlaces,
  inputsDigest,
  runRecord,
  summarize,
  summaryMarkdown,
} from '../../scripts/mutation-summary.mjs';

// `npm run mutation` runs Stryker once per module; the score over all of them is summed from the
// per-module reports, so a wrong sum would claim a score no run had.
/** A report of `src/x.ts` (or `file`) with one mutant per status, the n-th on line n. */
const report = (...statuses: string[]) => reportOf('src/x.ts', statuses);
const reportOf = (file: string, statuses: string[]) => ({
  schemaVersion: '2',
  files: {
    [file]: {
      language: 'typescript',
      source: '',
      mutants: statuses.map((status, i) => ({
        id: String(i),
        status,
        location: { start: { line: i + 1, column: 1 }, end: { line: i + 1, column: 9 } },
      })),
    },
  },
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const modules = [
  { name: 'a', file: 'src/a.ts', tests: ['test/a.test.ts'] },
  { name: 'b', file: 'src/b.ts', tests: ['test/b.test.ts'] },
];

/** A checkout under `dir` with each module's file and test files. */
function writeSources(): void {
  for (const module of modules)
    for (const path of [module.file, ...module.tests]) {
      mkdirSync(join(dir!, join(path, '..')), { recursive: true });
      writeFileSync(join(dir!, path), `// ${path}\n`);
    }
}

/** A module's report as the script leaves it: from scratch (with its time) unless told otherwise. */
function writeReport(
  name: string,
  content: unknown,
  seconds?: number,
  { fromScratch = true }: { fromScratch?: boolean } = {},
): void {
  const reports = join(dir!, 'reports');
  mkdirSync(join(reports, name), { recursive: true });
  writeFileSync(join(reports, name, 'mutation.json'), JSON.stringify(content));
  if (seconds === undefined) return;
  const module = modules.find((m) => m.name === name)!;
  const runFile = join(reports, name, 'run.json');
  const previous = existsSync(runFile) ? JSON.parse(readFileSync(runFile, 'utf8')) : undefined;
  const run = { seconds, finished: '2026-12-05T00:00:00Z', fromScratch, inputs: inputsDigest(module, dir) };
  writeFileSync(runFile, JSON.stringify(runRecord(run, previous)));
}

const summarized = () => summarize(join(dir!, 'reports'), modules, dir);

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
    writeSources();
    writeReport('a', report('Killed', 'Killed', 'Killed', 'Survived'), 120);
    writeReport('b', report('Timeout', 'CompileError', 'NoCoverage', 'NoCoverage'), 59);
    const summary = summarized();
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
    writeSources();
    writeReport('b', report('Killed'), 10);
    const summary = summarized();
    expect(summary.missing).toEqual(['a']);
    const markdown = summaryMarkdown(summary, 85);
    expect(markdown).toContain('| `src/a.ts` | not run |');
    expect(markdown).toContain('Not a complete run: no report for a (`npm run mutation -- a`).');
    expect(markdown).not.toContain('goal');
  });

  it('says when the goal is met, and gives no time when a module has none', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeSources();
    writeReport('a', report('Killed', 'Killed', 'Killed', 'Killed', 'Killed', 'Survived'), 60);
    writeReport('b', report('Killed'));
    const summary = summarized();
    expect(summary.seconds).toBeUndefined();
    expect(summaryMarkdown(summary, 85)).toContain('Mutation score 85.7 %: at or above the goal of 85 %.');
  });

  it('keeps the from-scratch time through incremental runs, and gives none for a run without one', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeSources();
    writeReport('a', report('Killed'), 600);
    writeReport('a', report('Killed', 'Killed'), 30, { fromScratch: false });
    writeReport('b', report('Killed'), 20, { fromScratch: false });
    const summary = summarized();
    expect(summary.rows.map((row) => row.seconds)).toEqual([600, undefined]);
    expect(summary.seconds).toBeUndefined();
    expect(summary.noTime).toEqual(['b']);
    const markdown = summaryMarkdown(summary, 85);
    expect(markdown).toContain('| `src/a.ts` | 2 | 2 | 0 | 0 | 0 | 0 | 100.0 % | 10 min |');
    expect(markdown).toContain('No from-scratch time yet for b (`npm run mutation -- --force b`).');
    expect(markdown).not.toContain('A complete run from scratch');

    writeReport('b', report('Killed'), 90);
    expect(summaryMarkdown(summarized(), 85)).toContain(
      "A complete run from scratch takes 12 min here: the sum of each module's last run with every mutant tested.",
    );
  });

  it('calls a report whose module or test files changed after it, or that does not say, not current', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeSources();
    writeReport('a', report('Killed'), 60);
    writeReport('b', report('Killed'), 60);
    expect(summarized().stale).toEqual([]);
    expect(summaryMarkdown(summarized(), 85)).not.toContain('Not current');

    writeFileSync(join(dir, 'test/b.test.ts'), '// a test added\n');
    expect(summarized().rows.map((row) => row.current)).toEqual([true, false]);
    expect(summaryMarkdown(summarized(), 85)).toContain(
      'Not current: the code or tests of b changed after (or were not recorded with) their report (`npm run mutation -- b`).',
    );

    // A run.json from before the script recorded inputs and whether it started from scratch.
    writeFileSync(join(dir, 'reports/a/run.json'), JSON.stringify({ seconds: 60 }));
    const summary = summarized();
    expect(summary.rows[0]).toMatchObject({ seconds: undefined, current: undefined });
    expect(summary.stale).toEqual(['a', 'b']);
  });

  it('reads the places the list of surviving mutants explains: one, several, a range', () => {
    const markdown = [
      '## Surviving mutants',
      '',
      '- `src/a.ts:3`, a fallback no input reaches.',
      '- `src/a.ts:10` and `:12`, a listener removed either way.',
      '- `src/b.ts:20`–`22`, a refusal reached only by code that builds settings by hand.',
      '  A line of text naming `src/b.ts:40` explains nothing.',
      '',
      '## Next section',
      '',
      '- `src/b.ts:50`, not in the list.',
    ].join('\n');
    expect([...explainedPlaces(markdown)]).toEqual([
      'src/a.ts:3',
      'src/a.ts:10',
      'src/a.ts:12',
      'src/b.ts:20',
      'src/b.ts:21',
      'src/b.ts:22',
    ]);
  });

  it('names survivors without a line in docs/mutation.md, and lines where nothing survives now', () => {
    dir = mkdtempSync(join(tmpdir(), 'fedimg-mutation-'));
    writeSources();
    mkdirSync(join(dir, 'docs'));
    writeFileSync(
      join(dir, 'docs/mutation.md'),
      '## Surviving mutants\n\n- `src/a.ts:2`, equivalent.\n- `src/a.ts:4`, moved since.\n- `src/c.ts:1`, a module not run.\n',
    );
    // Line 2 survived, line 3 had no test covering it, line 1 was killed.
    writeReport('a', reportOf('src/a.ts', ['Killed', 'Survived', 'NoCoverage']), 60);
    writeReport('b', reportOf('src/b.ts', ['Killed']), 60);
    const summary = summarized();
    expect(summary.unexplained).toEqual(['src/a.ts:3']);
    expect(summary.staleExplanations).toEqual(['src/a.ts:4']);
    const markdown = summaryMarkdown(summary, 85);
    expect(markdown).toContain(
      'Survivors without a line in docs/mutation.md: `src/a.ts:3`. Each needs a test that kills it, or a line there saying why it is equivalent.',
    );
    expect(markdown).toContain(
      'docs/mutation.md explains survivors at `src/a.ts:4`, where no report has one now: the line moved, or its mutant is killed.',
    );
  });

  it('lists each module once, its file and its test files existing', () => {
    expect(new Set(mutationModules.map((m) => m.name)).size).toBe(mutationModules.length);
    for (const module of mutationModules) {
      expect(existsSync(module.file), module.file).toBe(true);
      expect(module.tests.length, module.name).toBeGreaterThan(0);
      for (const test of module.tests) expect(existsSync(test), test).toBe(true);
    }
  });
});
