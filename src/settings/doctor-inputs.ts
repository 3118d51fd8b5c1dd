/**
 * The doctor stage's inputs (part of INPUTS in inputs.ts, kept here so that table stays short).
 * Imports nothing, so inputs.ts can include it without a cycle.
 */
export const DOCTOR_INPUTS = {
  'doctor-stages': {
    group: 'doctor' as const,
    value: '<list>',
    help: 'the stages whose AWS calls doctor checks (default: every stage that uses AWS; marketplace when products are set)',
  },
  'doctor-role-arn': {
    group: 'doctor' as const,
    value: '<arn>',
    help: 'the role to check (default: the role fedimg runs as)',
  },
  'doctor-repository': {
    group: 'doctor' as const,
    value: '<owner/name>',
    help: "the repository whose workflows the role's OIDC trust must name (default: GITHUB_REPOSITORY)",
  },
};
