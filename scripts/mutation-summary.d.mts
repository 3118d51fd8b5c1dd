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
  rows: { name: string; file: string; counts: MutantCounts | undefined; seconds: number | undefined }[];
  total: MutantCounts;
  score: number | undefined;
  seconds: number | undefined;
  missing: string[];
}
/** Counts one module's mutants by outcome from Stryker's parsed mutation.json. */
export function countMutants(report: unknown): MutantCounts;
/** Detected over valid, in percent; undefined when no mutant was valid. */
export function score(counts: MutantCounts): number | undefined;
/** Reads each module's report under `dir` and sums them. */
export function summarize(dir: string, modules: readonly MutationModule[]): MutationSummary;
/** The summary as a Markdown table, one row per module and the total. */
export function summaryMarkdown(summary: MutationSummary, goal: number): string;
