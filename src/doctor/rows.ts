import { awsCallOf, describeError } from '../errors.js';
import { isUnauthorized } from '../aws/errors.js';
import { describeStatement, statementForRead } from './statements.js';

/**
 * One line of doctor's table: a check, where it was made, its result and what to change. `unknown`
 * is a check that could not be made (doctor's own permission or a fact was missing): never a pass.
 */
export interface DoctorRow {
  check: string;
  region: string;
  result: 'pass' | 'fail' | 'unknown';
  /** What to change (a policy statement, an account setting, an input); empty for a pass. */
  change: string;
}

export const pass = (check: string, region: string, note = ''): DoctorRow => ({
  check,
  region,
  result: 'pass',
  change: note,
});
export const fail = (check: string, region: string, change: string): DoctorRow => ({
  check,
  region,
  result: 'fail',
  change,
});

/** The row for a read doctor could not make: the permission it needs when AWS refused it. */
export function couldNotCheck(check: string, region: string, error: unknown): DoctorRow {
  const call = awsCallOf(error)?.call;
  const granting = call ? statementForRead(call) : undefined;
  return {
    check,
    region,
    result: 'unknown',
    change:
      isUnauthorized(error) && call
        ? `Not checked: doctor needs ${call}${granting ? `, which ${describeStatement(granting)} grants` : ''}.`
        : `Not checked: ${describeError(error)}.`,
  };
}

/** Runs a check's reads; a refusal or failure of the reads themselves becomes an `unknown` row. */
export async function checked(
  check: string,
  region: string,
  run: () => Promise<DoctorRow | DoctorRow[]>,
): Promise<DoctorRow[]> {
  try {
    return [await run()].flat();
  } catch (error) {
    return [couldNotCheck(check, region, error)];
  }
}
