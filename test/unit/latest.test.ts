import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkedQuery, latest } from '../../src/cli/latest.js';
import { InputError } from '../../src/errors.js';
import { capturedLog } from '../helpers/log.js';

const quiet = capturedLog().log;

describe('fedimg latest', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('takes an architecture as the architectures input does (arm64 is aarch64), one only', () => {
    const query = { release: '41', region: 'eu-west-1', flavour: undefined, indexUrl: undefined };
    expect(checkedQuery({ ...query, arch: 'arm64' }).arch).toBe('aarch64');
    expect(checkedQuery({ ...query, arch: 'X86_64' }).arch).toBe('x86_64');
    expect(() => checkedQuery({ ...query, arch: 'x86_64,aarch64' })).toThrow(InputError);
  });

  it.each([
    [{ release: '41', arch: 'sparc', region: 'eu-west-1' }, '--arch sparc', 'x86_64 or aarch64'],
    [
      { release: 'forty one!', arch: 'x86_64', region: 'eu-west-1' },
      '--release forty one!',
      'Rawhide or ELN',
    ],
    [{ release: '41', arch: 'x86_64', region: 'eu-west' }, '--region eu-west', 'eu-west-1'],
  ])(
    'refuses a query no index can answer before it asks AWS or a server (%o)',
    async (query, named, hint) => {
      // Nothing answers there: a query that reached AWS would fail on the connection instead.
      vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:1');
      vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
      const failure = await latest(
        { ...query, flavour: undefined, indexUrl: undefined },
        () => '',
        quiet,
      ).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InputError);
      expect((failure as Error).message).toContain(named);
      expect((failure as Error).message).toContain(hint);
    },
  );
});
