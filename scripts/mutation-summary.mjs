// The score of a mutation run over every module, from Stryker's per-module JSON reports (the
// mutation-testing-report-schema: files → mutants → status). Stryker's own definition: detected
// (killed or timed out) over valid (detected, survived, or with no test covering it); mutants that
// do not compile or crash the runner, and ignored ones, are not valid.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Counts one module's mutants by outcome; `report` is Stryker's parsed mutation.json. */
export function countMutants(report) {
  const counts = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 };
  for (const file of Object.values(report?.files ?? {})) {
    for (const mutant of file.mutants ?? []) {
      counts.mutants += 1;
      if (mutant.status === 'Killed') counts.killed += 1;
      else if (mutant.status === 'Timeout') counts.timeout += 1;
      else if (mutant.status === 'Survived') counts.survived += 1;
      else if (mutant.status === 'NoCoverage') counts.noCoverage += 1;
      else counts.errors += 1; // CompileError, RuntimeError, Ignored
    }
  }
  return counts;
}

/** Detected over valid, in percent; undefined when no mutant was valid. */
export function score(counts) {
  const detected = counts.killed + counts.timeout;
  const valid = detected + counts.survived + counts.noCoverage;
  return valid === 0 ? undefined : (100 * detected) / valid;
}

/**
 * Reads each module's report under `dir` (`<name>/mutation.json`, and `<name>/run.json` with the
 * seconds the run took) and sums them. Modules without a report are listed as not run: an overall
 * figure over some modules is not the figure over all.
 */
export function summarize(dir, modules) {
  const rows = modules.map(({ name, file }) => {
    const reportFile = join(dir, name, 'mutation.json');
    if (!existsSync(reportFile)) return { name, file, counts: undefined, seconds: undefined };
    const counts = countMutants(JSON.parse(readFileSync(reportFile, 'utf8')));
    const runFile = join(dir, name, 'run.json');
    const seconds = existsSync(runFile)
      ? Number(JSON.parse(readFileSync(runFile, 'utf8')).seconds)
      : undefined;
    return { name, file, counts, seconds };
  });
  const run = rows.filter((row) => row.counts);
  const total = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 };
  for (const row of run) for (const key of Object.keys(total)) total[key] += row.counts[key];
  const seconds = run.every((row) => row.seconds !== undefined)
    ? run.reduce((sum, row) => sum + row.seconds, 0)
    : undefined;
  return {
    rows,
    total,
    score: score(total),
    seconds,
    missing: rows.filter((row) => !row.counts).map((row) => row.name),
  };
}

const percent = (value) => (value === undefined ? '–' : `${value.toFixed(1)} %`);
const minutes = (seconds) => (seconds === undefined ? '–' : `${Math.max(1, Math.round(seconds / 60))} min`);

/** The summary as a Markdown table, one row per module and the total. */
export function summaryMarkdown(summary, goal) {
  const lines = [
    '| module | mutants | killed | timeouts | survived | no coverage | errors | score | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { file, counts, seconds } of summary.rows) {
    lines.push(
      counts
        ? `| \`${file}\` | ${counts.mutants} | ${counts.killed} | ${counts.timeout} | ${counts.survived} | ${counts.noCoverage} | ${counts.errors} | ${percent(score(counts))} | ${minutes(seconds)} |`
        : `| \`${file}\` | not run | | | | | | | |`,
    );
  }
  const t = summary.total;
  lines.push(
    `| **all** | ${t.mutants} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.errors} | **${percent(summary.score)}** | ${minutes(summary.seconds)} |`,
  );
  lines.push('');
  if (summary.missing.length > 0) {
    lines.push(
      `Not a complete run: no report for ${summary.missing.join(', ')} (\`npm run mutation -- ${summary.missing.join(' ')}\`).`,
    );
  } else if (summary.score !== undefined) {
    lines.push(
      summary.score >= goal
        ? `Mutation score ${percent(summary.score)}: at or above the goal of ${goal} %.`
        : `Mutation score ${percent(summary.score)}: below the goal of ${goal} %. Each survivor needs a test that kills it or a line in docs/mutation.md saying why it is equivalent.`,
    );
  }
  return lines.join('\n') + '\n';
}
