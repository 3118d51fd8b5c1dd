import * as core from '@actions/core';
import type { Table } from './plan-summary.js';

/** Appends a table to the job summary (GITHUB_STEP_SUMMARY). */
export async function writeSummaryTable(table: Table): Promise<void> {
  core.summary.addHeading(table.title, 3);
  if (table.rows.length > 0) {
    core.summary.addTable([
      table.header.map((data) => ({ data, header: true })),
      ...table.rows.map((row) => row.map((cell) => ({ data: escapeHtml(cell) }))),
    ]);
  }
  if (table.note) core.summary.addRaw(`<p>${escapeHtml(table.note)}</p>`, true);
  await core.summary.write();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
