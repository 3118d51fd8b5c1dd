import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeSummaryTable } from '../../src/report/summary.js';

// GitHub keeps at most 1 MiB of job summary per step, and drops all of it past that ("Adding a job
// summary" in "Workflow commands for GitHub Actions").
const LIMIT = 1024 * 1024;

// @actions/core keeps the summary file's path once it has read it: one file for every test here.
let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-summary-'));
  file = join(dir, 'summary');
  vi.stubEnv('GITHUB_STEP_SUMMARY', file);
});
beforeEach(async () => {
  await writeFile(file, '');
  core.summary.emptyBuffer();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

const row = (index: number) => [
  'ap-southeast-2',
  'deregister',
  `ami-${index.toString(16).padStart(17, '0')}`,
  'expired nightly, private since 2026-11-01T00:00:00.000Z (grace period over)',
  'yes',
];

/** A cleanup's table of `count` rows. */
const cleanupTable = (count: number, note?: string) => ({
  title: 'fedimg cleanup',
  header: ['Region', 'Action', 'Resource', 'Reason', 'Done'],
  rows: Array.from({ length: count }, (_, index) => row(index)),
  note,
});

describe('the job summary', () => {
  it('keeps a table within the 1 MiB GitHub takes per step, saying how many rows it left out', async () => {
    const table = cleanupTable(12_000);
    const { rows } = table;
    await writeSummaryTable(table);
    expect((await stat(file)).size).toBeLessThanOrEqual(LIMIT);
    const text = await readFile(file, 'utf8');
    const shown = text.match(/<tr>/g)!.length - 1;
    expect(shown).toBeGreaterThan(1000);
    expect(text).toContain(`${rows.length - shown} more rows`);
    expect(text).toContain(rows[0]![2]);
  });

  it('writes a table that fits whole, with its note', async () => {
    await writeSummaryTable(cleanupTable(100, 'All done.'));
    const text = await readFile(file, 'utf8');
    expect(text.match(/<tr>/g)).toHaveLength(101);
    expect(text).toContain('All done.');
    expect(text).not.toContain('more rows');
  });
});
