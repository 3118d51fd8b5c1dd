export interface MutantCounts {
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  errors: number;
}
export interface MutationModule {
  name: string;
  file: string;
  tests: string[];
}
export interface MutationSummary {
  rows: {
    name: string;
    file: string;
    counts: MutantCounts | undefined;
    /** The module's last from-scratch run, in seconds. */
    seconds: number | undefined;
    /** Whether the report was made from the module and test files as they are now. */
    current?: boolean | undefined;
    /** `file:line` of each mutant no test detected. */
    survivors?: string[];
  }[];
  total: MutantCounts;
  score: number | undefined;
  /** A complete run from scratch: every module's last from-scratch time, summed. */
  seconds: number | undefined;
  missing: string[];
  /** Modules with a report but no from-scratch run on record. */
  noTime: string[];
  /** Modules whose report is older than their code or tests (or does not say). */
  stale: string[];
  /** Survivors (`file:line`) docs/mutation.md does not explain. */
  unexplained: string[];
  /** Places docs/mutation.md explains where no report has a survivor now. */
  staleExplanations: string[];
}
export interface RunRecord {
  seconds: number;
  finished: string;
  fromScratch: boolean;
  inputs: string;
  lastFromScratch?: { seconds: number; finished: string };
}
/** Counts one module's mutants by outcome from Stryker's parsed mutation.json. */
export function countMutants(report: unknown): MutantCounts;
/** `file:line` of each mutant of a report that survived or had no covering test. */
export function survivorPlaces(report: unknown): string[];
/** The places docs/mutation.md's "Surviving mutants" list explains. */
export function explainedPlaces(markdown: string): Set<string>;
/** Detected over valid, in percent; undefined when no mutant was valid. */
export function score(counts: MutantCounts): number | undefined;
/** A digest of the module and its test files as they are under `root`. */
export function inputsDigest(module: MutationModule, root?: string): string;
/** run.json after a run, keeping the last from-scratch time across incremental runs. */
export function runRecord(
  run: { seconds: number; finished: string; fromScratch: boolean; inputs: string },
  previous: Partial<RunRecord> | undefined,
): RunRecord;
/** Reads each module's report under `dir` and sums them. */
export function summarize(dir: string, modules: readonly MutationModule[], root?: string): MutationSummary;
/** The summary as a Markdown table, one row per module and the total. */
export function summaryMarkdown(summary: MutationSummary, goal: number): string;
