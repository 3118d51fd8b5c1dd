import type { MutationModule } from './mutation-summary.mjs';
/** The modules `npm run mutation` mutates, each with the test files run against its mutants. */
export const mutationModules: readonly MutationModule[];
/** Where Stryker keeps a module's results between runs (incremental mode). */
export function incrementalFileOf(name: string): string;
