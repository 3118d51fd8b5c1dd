import { parseRoleArn } from '../aws/identity.js';
import { InputError } from '../errors.js';
import { list, type InputReader } from './inputs.js';

/** The stages whose AWS calls doctor can check (release writes to GitHub only). */
export const DOCTOR_STAGES = [
  'plan',
  'import',
  'boot-test',
  'copy',
  'publish',
  'verify',
  'cleanup',
  'index',
  'marketplace',
] as const;
export type DoctorStage = (typeof DOCTOR_STAGES)[number];

export interface DoctorSettings {
  stages: DoctorStage[];
  /** The role to check; undefined: the role fedimg runs as (from STS). */
  roleArn: string | undefined;
  /** owner/name of the repository whose workflows the role's trust must name. */
  repository: string | undefined;
}

export function doctorSettings(
  read: InputReader,
  marketplaceProducts: boolean,
  env: NodeJS.ProcessEnv = process.env,
): DoctorSettings {
  const given = list(read('doctor-stages'));
  for (const stage of given) {
    if (!(DOCTOR_STAGES as readonly string[]).includes(stage))
      throw new InputError(`doctor-stages has "${stage}", which is not a stage doctor checks.`, {
        hint: `Use any of ${DOCTOR_STAGES.join(', ')}.`,
      });
  }
  const stages = (
    given.length > 0
      ? given
      : DOCTOR_STAGES.filter((stage) => stage !== 'plan' && (stage !== 'marketplace' || marketplaceProducts))
  ) as DoctorStage[];
  const roleArn = read('doctor-role-arn').trim() || undefined;
  if (roleArn && !parseRoleArn(roleArn))
    throw new InputError(`doctor-role-arn "${roleArn}" is not the ARN of an IAM role.`, {
      hint: 'Give arn:aws:iam::<account>:role/<name> (a user, a policy or an assumed-role session is not a role).',
    });
  const repository = read('doctor-repository').trim() || env.GITHUB_REPOSITORY || undefined;
  if (repository && !/^[\w.-]+\/[\w.-]+$/.test(repository))
    throw new InputError(`doctor-repository "${repository}" is not <owner>/<name>.`);
  return { stages, roleArn, repository };
}
