import type { DoctorResult } from '../stages/doctor.js';
import type { Table } from './table.js';

const RESULT = { pass: 'pass', fail: 'FAIL', unknown: 'not checked' } as const;

/** One row per check: what, where, the result, and what to change. */
export function doctorTable(result: DoctorResult): Table {
  const failed = result.rows.filter((row) => row.result !== 'pass').length;
  return {
    title: `fedimg doctor: ${result.role} for ${result.stages.join(', ')}`,
    header: ['Check', 'Region', 'Result', 'What to change'],
    rows: result.rows.map((row) => [row.check, row.region, RESULT[row.result], row.change]),
    note:
      failed === 0
        ? `All ${result.rows.length} checks passed: the role may make every call these stages make, and nothing else AWS lets a policy refuse.`
        : `${failed} of ${result.rows.length} checks did not pass.`,
  };
}
