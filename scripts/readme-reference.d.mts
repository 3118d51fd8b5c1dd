/** The input/output reference (docs/reference.md), generated from action.yml's text. */
export function reference(actionYml: string): string;
/** The reference file's text with its generated block replaced by a fresh one. */
export function withReference(readme: string, actionYml: string): string;
export const REFERENCE_FILE: string;
