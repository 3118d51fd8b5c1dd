import { neutralise, withoutControls } from '../log.js';
import { redact } from './redact.js';

/** What every stage reports: rendered into the job summary, a Markdown file or the terminal. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** A sentence under the table, e.g. why nothing was done. */
  note: string | undefined;
}

// Characters that let text leave its cell, written as character references: HTML tags and
// attributes, Markdown table columns, links and code spans (which can hide a column separator).
const MARKUP = /[&<>"'|[\]`]/g;

/**
 * Text for a job-summary or Markdown cell: markup characters as references and line breaks as
 * <br>, so no cell can end the table or the HTML block it is in (a blank line would) or inject
 * markup. Cells hold untrusted text (file names, AWS messages, console output), and summaries are
 * public: account data is redacted.
 */
export function summaryText(text: string): string {
  return redact(withoutControls(text))
    .replace(MARKUP, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/g, '<br>');
}

/** The table as aligned text for a terminal; every cell is one neutralised line. */
export function tableAsText(table: Table): string {
  const rows = table.rows.map((row) => row.map(neutralise));
  const header = table.header.map(neutralise);
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const lines = [neutralise(table.title), format(header), ...rows.map(format)];
  if (table.note) lines.push(neutralise(table.note));
  return `${lines.join('\n')}\n`;
}

/** The table as GitHub-flavoured Markdown, for summary files written outside the runner. */
export function tableAsMarkdown(table: Table): string {
  const row = (cells: string[]) => `| ${cells.map(summaryText).join(' | ')} |`;
  const lines = [`### ${summaryText(table.title)}`, ''];
  if (table.rows.length > 0)
    lines.push(row(table.header), row(table.header.map(() => '---')), ...table.rows.map(row), '');
  if (table.note) lines.push(summaryText(table.note), '');
  return `${lines.join('\n')}\n`;
}
