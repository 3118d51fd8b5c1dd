import type { BootTestResult } from '../stages/boot-test.js';
import type { Table } from './table.js';

export function bootTestTable(result: BootTestResult, region: string): Table {
  const failures = result.records.filter((record) => record.outcome && !record.outcome.passed);
  return {
    title: `fedimg boot test — ${result.composeId || 'direct image'} in ${region}`,
    header: ['Image', 'AMI', 'Name', 'Instance', 'Verdict', 'Seconds'],
    rows: result.records.map((record) => [
      record.image.file,
      record.imageId,
      record.name,
      record.outcome?.instanceId ?? '',
      record.alreadyPassed
        ? 'passed earlier'
        : record.outcome?.passed
          ? 'passed'
          : `failed${record.outcome?.exitCode !== undefined ? ` (exit ${record.outcome.exitCode})` : ''}`,
      record.outcome ? record.outcome.seconds.toFixed(0) : '',
    ]),
    note: result.skipped
      ? `Nothing to do: ${result.reason}.`
      : failures.length > 0
        ? failures
            .map(
              (record) => `${record.imageId} console: ${record.outcome!.consoleTail.slice(-10).join(' ⏎ ')}`,
            )
            .join('\n')
        : undefined,
  };
}
