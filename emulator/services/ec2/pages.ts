/**
 * Pages of a describe action's results, from the EC2 API Reference (DescribeImages,
 * DescribeSnapshots: MaxResults, NextToken; "Pagination") and the EC2 Developer Guide ("Pagination
 * in the Amazon EC2 API"): without MaxResults, every result at once; with it, at most that many and
 * a NextToken for the next page while more remain. A token that is not one this emulator gave is
 * refused with InvalidPaginationToken (EC2's common client errors). Neither action's page states
 * MaxResults' range: 5 to 1,000 is the range EC2's other describe actions document, and the one
 * accepted here. A token is opaque to callers; here it is the offset of the next result.
 */
import { AwsError } from '../../errors.js';
import type { Input } from './common.js';

export function page<T>(items: T[], input: Input): { items: T[]; NextToken?: string } {
  if (input.MaxResults === undefined) {
    if (input.NextToken !== undefined) throw invalidToken();
    return { items };
  }
  const max = Number(input.MaxResults);
  if (!Number.isInteger(max) || max < 5 || max > 1000)
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${String(input.MaxResults)}) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  const start = input.NextToken === undefined ? 0 : offsetOf(input.NextToken);
  const next = start + max;
  return { items: items.slice(start, next), ...(next < items.length ? { NextToken: tokenFor(next) } : {}) };
}

const PREFIX = 'emulator-page-';
const tokenFor = (offset: number) => `${PREFIX}${offset}`;

function offsetOf(token: unknown): number {
  const offset =
    typeof token === 'string' && token.startsWith(PREFIX) ? Number(token.slice(PREFIX.length)) : NaN;
  if (!Number.isInteger(offset) || offset <= 0) throw invalidToken();
  return offset;
}

const invalidToken = () =>
  new AwsError('InvalidPaginationToken', 'The specified pagination token is not valid.');
