import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { startEmulator } from '../helpers/aws.js';
import { applyRolePolicy, documentedRoles } from '../helpers/iam.js';
import { rehearse } from '../helpers/rehearsal.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
  emulator.addCredentials('AKIDREHEARSAL', 'secret');
});
afterAll(() => emulator.stop());

describe('doctor.yml, rehearsed', () => {
  const run = () =>
    rehearse('.github/workflows/doctor.yml', {
      event: { name: 'workflow_dispatch', inputs: { stages: '', regions: 'eu-west-1' } },
      repository: 'fedora-infra/fedimg',
      vars: { FEDIMG_AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/fedimg' },
      aws: {
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDREHEARSAL',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    });

  it('checks the role and the account through the bundled action, one table in the job summary', async () => {
    applyRolePolicy(emulator);
    documentedRoles(emulator);
    const rehearsal = await run();
    const job = rehearsal.jobs.get('doctor')!;
    const summary = job.legs[0]!.summary;
    expect(job.result, rehearsal.trace.join('\n')).toBe('success');
    expect(summary).toContain('fedimg doctor');
    expect(summary).toContain('import: start a snapshot tagged ManagedBy=fedimg');
    expect(summary).not.toContain('FAIL');
  }, 60_000);

  it('fails the job when the role lacks a statement, and the summary says which', async () => {
    applyRolePolicy(emulator, { without: ['BootTestOnlyFedimgImages'] });
    documentedRoles(emulator);
    const rehearsal = await run();
    const job = rehearsal.jobs.get('doctor')!;
    const summary = job.legs[0]!.summary;
    expect(job.result).toBe('failure');
    expect(summary).toContain('BootTestOnlyFedimgImages');
  }, 60_000);
});
