import type { ComposePlan } from '../compose/types.js';

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** A sentence under the table, e.g. why nothing was done. */
  note: string | undefined;
}

/** The plan as a table; rendered into the job summary by the action and as text by the CLI. */
export function planTable(plan: ComposePlan): Table {
  return {
    title: `fedimg plan — ${plan.composeId || 'direct image'} (${plan.status})`,
    header: ['Image', 'Arch', 'EC2 arch', 'Subvariant', 'Size (bytes)', 'sha256'],
    rows: plan.images.map((image) => [
      image.file,
      image.arch,
      image.ec2_arch,
      image.subvariant,
      String(image.size),
      image.sha256,
    ]),
    note: plan.skipped ? `Nothing to do: ${plan.reason}.` : undefined,
  };
}

export function tableAsText(table: Table): string {
  const widths = table.header.map((cell, column) =>
    Math.max(cell.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const lines = [table.title, format(table.header), ...table.rows.map(format)];
  if (table.note) lines.push(table.note);
  return `${lines.join('\n')}\n`;
}

/** The table as GitHub-flavoured Markdown, for summary files written outside the runner. */
export function tableAsMarkdown(table: Table): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const lines = [`### ${table.title}`, ''];
  if (table.rows.length > 0)
    lines.push(row(table.header), row(table.header.map(() => '---')), ...table.rows.map(row), '');
  if (table.note) lines.push(table.note, '');
  return `${lines.join('\n')}\n`;
}
