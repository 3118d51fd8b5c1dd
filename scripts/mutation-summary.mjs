// The score of a mutation run over every module, from Stryker's per-module JSON reports (the
// mutation-testing-report-schema: files → mutants → status). Stryker's own definition: detected
// (killed or timed out) over valid (detected, survived, or with no test covering it); mutants that
// do not compile or crash the runner, and ignored ones, are not valid.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A digest of what a module's run tested: the module and its test files, as they are now under
 * `root`. A report whose recorded digest differs is older than the code or tests it speaks for.
 */
export function inputsDigest(module, root = '.') {
  const hash = createHash('sha256');
  for (const path of [module.file, ...module.tests]) {
    hash.update(`${path}\0`);
    hash.update(existsSync(join(root, path)) ? readFileSync(join(root, path)) : 'missing');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * What run.json records after a module's run. `fromScratch`: every mutant was tested (`--force`, or
 * no incremental file yet), so `seconds` is what the module costs a complete run; an incremental
 * run keeps the last from-scratch figure in `lastFromScratch`.
 */
export function runRecord({ seconds, finished, fromScratch, inputs }, previous) {
  const lastFromScratch = fromScratch ? { seconds, finished } : previous?.lastFromScratch;
  return { seconds, finished, fromScratch, inputs, ...(lastFromScratch ? { lastFromScratch } : {}) };
}

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

/** The places (`file:line`) of a report's mutants that no test detected: survived or not covered. */
export function survivorPlaces(report) {
  const places = [];
  for (const [file, { mutants = [] }] of Object.entries(report?.files ?? {}))
    for (const mutant of mutants)
      if (mutant.status === 'Survived' || mutant.status === 'NoCoverage')
        places.push(`${file}:${mutant.location.start.line}`);
  return [...new Set(places)];
}

/**
 * The places docs/mutation.md's "Surviving mutants" list explains, from the references each entry
 * starts with: "- `src/x.ts:12`", "- `src/x.ts:12` and `:15`", "- `src/x.ts:12`–`14`" (a range).
 */
export function explainedPlaces(markdown) {
  const section = markdown.split(/^## Surviving mutants$/m)[1]?.split(/^## /m)[0] ?? '';
  const places = new Set();
  for (const [, file, first, more] of section.matchAll(
    /^- `(src\/[^`:]+):(\d+)`((?:(?:\s+and\s+|–|,\s*)`:?\d+`)*)/gm,
  )) {
    let previous = Number(first);
    places.add(`${file}:${previous}`);
    for (const [, separator, line] of more.matchAll(/(\s+and\s+|–|,\s*)`:?(\d+)`/g)) {
      const next = Number(line);
      if (separator === '–')
        for (let between = previous + 1; between < next; between++) places.add(`${file}:${between}`);
      places.add(`${file}:${next}`);
      previous = next;
    }
  }
  return places;
}

/** Detected over valid, in percent; undefined when no mutant was valid. */
export function score(counts) {
  const detected = counts.killed + counts.timeout;
  const valid = detected + counts.survived + counts.noCoverage;
  return valid === 0 ? undefined : (100 * detected) / valid;
}

/**
 * Reads each module's report under `dir` (`<name>/mutation.json`, and `<name>/run.json`: the run's
 * time, whether it was from scratch, the digest of its inputs) and sums them. Modules without a
 * report are listed as not run: an overall figure over some modules is not the figure over all. A
 * complete run's time is the sum of every module's last from-scratch run (the script runs them one
 * after another, each on its own), known only when every module has had one.
 */
export function summarize(dir, modules, root = '.') {
  const rows = modules.map((module) => {
    const { name, file } = module;
    const reportFile = join(dir, name, 'mutation.json');
    if (!existsSync(reportFile)) return { name, file, counts: undefined, seconds: undefined };
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const counts = countMutants(report);
    const runFile = join(dir, name, 'run.json');
    const record = existsSync(runFile) ? JSON.parse(readFileSync(runFile, 'utf8')) : {};
    return {
      name,
      file,
      counts,
      seconds: record.lastFromScratch === undefined ? undefined : Number(record.lastFromScratch.seconds),
      // Unknown (undefined) for a report made before run.json recorded its inputs.
      current: record.inputs === undefined ? undefined : record.inputs === inputsDigest(module, root),
      survivors: survivorPlaces(report),
    };
  });
  const run = rows.filter((row) => row.counts);
  const total = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 };
  for (const row of run) for (const key of Object.keys(total)) total[key] += row.counts[key];
  const seconds = rows.every((row) => row.seconds !== undefined)
    ? rows.reduce((sum, row) => sum + row.seconds, 0)
    : undefined;
  // Every survivor needs a test that kills it or a line in docs/mutation.md saying why it is
  // equivalent; a line naming a place where nothing survives any more has moved or is obsolete.
  const docs = join(root, 'docs', 'mutation.md');
  const explained = explainedPlaces(existsSync(docs) ? readFileSync(docs, 'utf8') : '');
  const survivors = new Set(run.flatMap((row) => row.survivors));
  const reported = new Set(run.map((row) => row.file));
  return {
    rows,
    total,
    score: score(total),
    unexplained: [...survivors].filter((place) => !explained.has(place)),
    staleExplanations: [...explained].filter(
      (place) => reported.has(place.replace(/:\d+$/, '')) && !survivors.has(place),
    ),
    seconds,
    missing: rows.filter((row) => !row.counts).map((row) => row.name),
    noTime: run.filter((row) => row.seconds === undefined).map((row) => row.name),
    stale: run.filter((row) => row.current !== true).map((row) => row.name),
  };
}

const percent = (value) => (value === undefined ? '–' : `${value.toFixed(1)} %`);
const minutes = (seconds) => (seconds === undefined ? '–' : `${Math.max(1, Math.round(seconds / 60))} min`);

/** The summary as a Markdown table, one row per module and the total. */
export function summaryMarkdown(summary, goal) {
  const lines = [
    '| module | mutants | killed | timeouts | survived | no coverage | errors | score | from scratch |',
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
  if (summary.seconds !== undefined)
    lines.push(
      '',
      `A complete run from scratch takes ${minutes(summary.seconds)} here: the sum of each module's last run with every mutant tested.`,
    );
  else if (summary.noTime.length > 0)
    lines.push(
      '',
      `No from-scratch time yet for ${summary.noTime.join(', ')} (\`npm run mutation -- --force ${summary.noTime.join(' ')}\`).`,
    );
  if (summary.unexplained.length > 0)
    lines.push(
      '',
      `Survivors without a line in docs/mutation.md: ${summary.unexplained.map((place) => `\`${place}\``).join(', ')}. Each needs a test that kills it, or a line there saying why it is equivalent.`,
    );
  if (summary.staleExplanations.length > 0)
    lines.push(
      '',
      `docs/mutation.md explains survivors at ${summary.staleExplanations.map((place) => `\`${place}\``).join(', ')}, where no report has one now: the line moved, or its mutant is killed.`,
    );
  if (summary.stale.length > 0)
    lines.push(
      '',
      `Not current: the code or tests of ${summary.stale.join(', ')} changed after (or were not recorded with) their report (\`npm run mutation -- ${summary.stale.join(' ')}\`).`,
    );
  return lines.join('\n') + '\n';
}
