/** The README's input/output reference, generated from action.yml's text. */
export function reference(actionYml: string): string;
/** The README with its reference block replaced by a fresh one. */
export function withReference(readme: string, actionYml: string): string;
