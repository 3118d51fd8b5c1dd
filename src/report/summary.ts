import * as core from '@actions/core';
import { summaryText, type Table } from './table.js';

/** Appends a table to the job summary (GITHUB_STEP_SUMMARY); every piece of text is made safe. */
export async function writeSummaryTable(table: Table): Promise<void> {
  core.summary.addHeading(summaryText(table.title), 3);
  if (table.rows.length > 0) {
    core.summary.addTable([
      table.header.map((data) => ({ data: summaryText(data), header: true })),
      ...table.rows.map((row) => row.map((cell) => ({ data: summaryText(cell) }))),
    ]);
  }
  if (table.note) core.summary.addRaw(`<p>${summaryText(table.note)}</p>`, true);
  await core.summary.write();
}
