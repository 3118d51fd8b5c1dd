// Writes the input and output reference (docs/reference.md) from action.yml (`npm run readme`); a
// test checks that the file holds exactly what this generates, so the two cannot drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const START = '<!-- generated from action.yml by `npm run readme`: start -->';
const END = '<!-- generated from action.yml by `npm run readme`: end -->';

const oneLine = (text) => String(text).replace(/\s+/g, ' ').trim();

/** The reference as Markdown: every input with its default, every output. */
export function reference(actionYml) {
  const action = parse(actionYml);
  const lines = [START, '', '## Inputs', ''];
  for (const [name, input] of Object.entries(action.inputs)) {
    const fallback =
      input.default === undefined || input.default === '' ? '' : ` (default \`${input.default}\`)`;
    lines.push(`- \`${name}\`${fallback}: ${oneLine(input.description)}`);
  }
  lines.push('', '## Outputs', '');
  for (const [name, output] of Object.entries(action.outputs))
    lines.push(`- \`${name}\`: ${oneLine(output.description)}`);
  lines.push('', END);
  return lines.join('\n');
}

export const REFERENCE_FILE = 'docs/reference.md';

/** The reference file with its generated block replaced. */
export function withReference(readme, actionYml) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${REFERENCE_FILE} has no "${START}" … "${END}" block`);
  return readme.slice(0, start) + reference(actionYml) + readme.slice(end + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(
    REFERENCE_FILE,
    withReference(readFileSync(REFERENCE_FILE, 'utf8'), readFileSync('action.yml', 'utf8')),
  );
}
