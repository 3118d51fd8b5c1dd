import * as core from '@actions/core';
import { summaryText, type Table } from './table.js';

/**
 * GitHub keeps at most 1 MiB of job summary per step and drops all of it past that ("Adding a job
 * summary", Workflow commands for GitHub Actions); the margin is for the heading and the notes.
 */
const SUMMARY_BYTES = 1024 * 1024 - 8 * 1024;

/** Bytes of one row as @actions/core writes it: each cell wrapped in <td> or <th>, the row in <tr>. */
const rowBytes = (cells: string[]) =>
  cells.reduce((total, cell) => total + Buffer.byteLength(cell) + '<td></td>'.length, '<tr></tr>'.length);

/**
 * Appends a table to the job summary (GITHUB_STEP_SUMMARY); every piece of text is made safe. A table
 * too large for the summary keeps its first rows and says how many it left out (the log has them).
 */
export async function writeSummaryTable(table: Table): Promise<void> {
  const title = summaryText(table.title);
  const header = table.header.map(summaryText);
  const note = table.note ? summaryText(table.note) : undefined;
  let budget = SUMMARY_BYTES - rowBytes(header) - Buffer.byteLength(title) - Buffer.byteLength(note ?? '');
  const rows: string[][] = [];
  for (const row of table.rows) {
    const cells = row.map(summaryText);
    budget -= rowBytes(cells);
    if (budget < 0) break;
    rows.push(cells);
  }
  core.summary.addHeading(title, 3);
  if (rows.length > 0) {
    core.summary.addTable([
      header.map((data) => ({ data, header: true })),
      ...rows.map((row) => row.map((data) => ({ data }))),
    ]);
  }
  if (rows.length < table.rows.length)
    core.summary.addRaw(
      `<p>${table.rows.length - rows.length} more rows are in the step's log: GitHub keeps at most 1 MiB of summary per step.</p>`,
      true,
    );
  if (note) core.summary.addRaw(`<p>${note}</p>`, true);
  await core.summary.write();
}
