// `npm run mutation [-- module…]`: Stryker once per module of scripts/mutation-modules.mjs (all of
// them by default), each against its own test files, then the score over every module's report
// (reports/mutation/summary.md, and the job summary on GitHub). `--summary` only sums the reports
// already there; `--force` re-tests every mutant. Exits non-zero when a run fails or the score
// over all modules is below the goal.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { incrementalFileOf, mutationModules } from './mutation-modules.mjs';
import { inputsDigest, runRecord, summarize, summaryMarkdown } from './mutation-summary.mjs';
import config from '../stryker.config.mjs';

const REPORTS = 'reports/mutation';
const GOAL = config.thresholds.high;

const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary');
// --force: test every mutant again. Incremental runs reuse a static mutant's result even after new
// tests were added (it has no covering tests whose change Stryker could see).
const force = args.includes('--force');
const names = args.filter((arg) => !arg.startsWith('--'));
const unknown = names.filter((name) => !mutationModules.some((m) => m.name === name));
if (unknown.length > 0) {
  console.error(
    `Unknown module ${unknown.join(', ')}; the modules are: ${mutationModules.map((m) => m.name).join(', ')}.`,
  );
  process.exit(2);
}

const failed = [];
if (!summaryOnly) {
  const chosen = names.length > 0 ? mutationModules.filter((m) => names.includes(m.name)) : mutationModules;
  for (const [index, module] of chosen.entries()) {
    console.log(`\n== ${index + 1}/${chosen.length} ${module.file} (${module.tests.length} test files)`);
    const started = Date.now();
    // Taken before the run: Stryker tests the files as they are when it starts.
    const inputs = inputsDigest(module);
    const fromScratch = force || !existsSync(incrementalFileOf(module.name));
    const run = spawnSync(join('node_modules', '.bin', 'stryker'), ['run', ...(force ? ['--force'] : [])], {
      stdio: 'inherit',
      env: { ...process.env, FEDIMG_MUTATION_MODULE: module.name },
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    if (run.status !== 0) {
      failed.push(module.name);
      console.error(
        `Stryker failed for ${module.file} (exit ${run.status ?? run.signal}); its report is not updated.`,
      );
      continue;
    }
    const runFile = join(REPORTS, module.name, 'run.json');
    const previous = existsSync(runFile) ? JSON.parse(readFileSync(runFile, 'utf8')) : undefined;
    mkdirSync(join(REPORTS, module.name), { recursive: true });
    writeFileSync(
      runFile,
      JSON.stringify(
        runRecord({ seconds, finished: new Date().toISOString(), fromScratch, inputs }, previous),
      ) + '\n',
    );
  }
}

const summary = summarize(REPORTS, mutationModules);
const markdown = `## Mutation score\n\n${summaryMarkdown(summary, GOAL)}`;
mkdirSync(REPORTS, { recursive: true });
writeFileSync(join(REPORTS, 'summary.md'), markdown);
console.log(`\n${markdown}`);
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);

if (failed.length > 0) {
  console.error(`Stryker failed for: ${failed.join(', ')}.`);
  process.exit(1);
}
if (summary.missing.length === 0 && summary.score !== undefined && summary.score < GOAL) process.exit(1);
