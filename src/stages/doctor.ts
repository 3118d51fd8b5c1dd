import { AwsClients } from '../aws/clients.js';
import { isUnauthorized } from '../aws/errors.js';
import {
  callerArn,
  describeRole,
  parseRoleArn,
  roleOfSession,
  simulate,
  type RoleRef,
} from '../aws/identity.js';
import { resolveRegions } from '../aws/regions.js';
import {
  accessRoleRows,
  networkRows,
  oidcTrustRow,
  regionRows,
  sessionLengthRow,
} from '../doctor/account.js';
import { permissionChecks, type PermissionCheck, type ProbeSettings } from '../doctor/permissions.js';
import { checked, couldNotCheck, fail, pass, type DoctorRow } from '../doctor/rows.js';
import { describeStatement, statementForRead } from '../doctor/statements.js';
import { DoctorError, describeError } from '../errors.js';
import type { Log } from '../log.js';
import type { Settings } from '../settings/index.js';
import type { StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { defineStage } from './descriptor.js';

export interface DoctorResult {
  /** The role checked. */
  role: string;
  stages: string[];
  rows: DoctorRow[];
}

/**
 * fedimg doctor: read-only, before anything changes. Who fedimg runs as; whether IAM's simulator
 * allows every call the configured stages make (and refuses the routes AWS's conditions close);
 * each region's account settings; where boot tests launch; Marketplace's access role. One table,
 * and a failure when any check failed or could not be made.
 */
export async function runDoctor(
  settings: Settings,
  log: Log,
  deps: StageDeps<DoctorResult> = {},
): Promise<DoctorResult> {
  const clients = deps.clients ?? new AwsClients({ concurrency: 4 });
  const base = settings.baseRegion;
  const stages = new Set(settings.doctor.stages);
  try {
    const caller = await callerArn(clients.sts(base));
    const role = settings.doctor.roleArn ? parseRoleArn(settings.doctor.roleArn) : roleOfSession(caller);
    if (!role)
      throw new DoctorError(
        `fedimg doctor checks a role, and ${caller} is not one (an IAM user, or a root session).`,
        {
          hint: 'Run it with the role fedimg runs as (the workflow assumes it), or name the role with doctor-role-arn.',
        },
      );
    const rows: DoctorRow[] = [pass('who fedimg runs as', 'global', caller)];
    let roleArn = role.arn;
    rows.push(
      ...(await checked("the role's trust policy", 'global', async () => {
        const facts = await describeRole(clients.iam(), role.name);
        roleArn = facts.arn || roleArn;
        const trust = oidcTrustRow(facts.trust, settings.doctor.repository);
        return stages.has('import') ? [trust, sessionLengthRow(role.name, facts.maxSessionSeconds)] : trust;
      })),
    );
    const network = stages.has('boot-test') ? await networkRows(settings, clients) : undefined;
    rows.push(...(network?.rows ?? []));
    const destinations =
      stages.has('publish') || stages.has('copy')
        ? await destinationRegions(settings, clients, log, rows)
        : [];
    if (stages.has('publish'))
      for (const region of [...new Set([base, ...destinations])])
        rows.push(...(await regionRows(settings, clients, region)));
    const probes: ProbeSettings = {
      partition: role.partition,
      account: role.account,
      baseRegion: base,
      destination: destinations.find((region) => region !== base) ?? base,
      stages,
      s3Bucket: settings.upload.method === 'import-snapshot' ? settings.upload.s3Bucket : undefined,
      kmsKeyArn: keyArn(settings, role),
      encrypted: settings.flavours.some((flavour) => flavour.kmsKeyId),
      instanceTypes: [...new Set(Object.values(settings.bootTest.instanceTypes))],
      network: network?.network && {
        groups: network.network.groups,
        subnet: settings.bootTest.subnetId ? network.network.subnet : undefined,
      },
      marketplace: {
        products: Object.values(settings.marketplace.products),
        accessRoleArn: settings.marketplace.accessRoleArn,
        restrictPrevious: settings.marketplace.restrictPrevious,
        validateOnly: settings.marketplace.validateOnly,
      },
    };
    rows.push(...(await permissionRows(clients, roleArn, base, permissionChecks(probes))));
    if (stages.has('marketplace')) rows.push(...(await accessRoleRows(settings, clients)));
    const result: DoctorResult = { role: roleArn, stages: [...stages], rows };
    await deps.onResult?.(result);
    const failed = rows.filter((row) => row.result === 'fail').length;
    const unknown = rows.filter((row) => row.result === 'unknown').length;
    if (failed + unknown > 0)
      throw new DoctorError(
        `${failed} of ${rows.length} check(s) failed${unknown > 0 ? ` and ${unknown} could not be made` : ''} for ${roleArn}: ${rows
          .filter((row) => row.result !== 'pass')
          .map((row) => `${row.check} (${row.region})`)
          .join('; ')}.`,
        { hint: 'The table says what to change for each; change it, then run doctor again.' },
      );
    log.info(`fedimg doctor: all ${rows.length} checks passed for ${roleArn}.`);
    return result;
  } finally {
    if (!deps.clients) clients.destroy();
  }
}

/** The destination regions (as copy resolves them), noting a failure to read them. */
async function destinationRegions(
  settings: Settings,
  clients: AwsClients,
  log: Log,
  rows: DoctorRow[],
): Promise<string[]> {
  try {
    return (await resolveRegions(clients.ec2(settings.baseRegion), settings.copy.regions, '', log, 'doctor'))
      .regions;
  } catch (error) {
    rows.push(couldNotCheck('the destination regions', settings.baseRegion, error));
    return [];
  }
}

/** The configured KMS key as the ARN IAM policies name (an alias cannot be resolved without KMS). */
function keyArn(settings: Settings, role: RoleRef): string | undefined {
  const key = settings.flavours.find((flavour) => flavour.kmsKeyId)?.kmsKeyId;
  if (!key) return undefined;
  if (key.startsWith('arn:')) return key;
  // A key ID: a single-Region key's UUID, or a multi-Region key's mrk- ID.
  if (/^(?:[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/.test(key))
    return `arn:${role.partition}:kms:${settings.baseRegion}:${role.account}:key/${key}`;
  return undefined;
}

/** Each permission check through IAM's policy simulator, four at a time. */
async function permissionRows(
  clients: AwsClients,
  roleArn: string,
  region: string,
  checks: PermissionCheck[],
): Promise<DoctorRow[]> {
  const iam = clients.iam();
  // The first answer says whether doctor may simulate at all: without it, one clear error.
  const first = checks[0]?.probes[0];
  if (first) {
    try {
      await simulate(iam, roleArn, first.action, first.resource, first.context);
    } catch (error) {
      if (isUnauthorized(error))
        throw new DoctorError(
          `fedimg doctor may not simulate ${roleArn}'s policies: ${describeError(error)}`,
          {
            hint: `Grant iam:SimulatePrincipalPolicy on the role, as ${describeStatement(statementForRead('iam:SimulatePrincipalPolicy')!)} does.`,
            cause: error,
          },
        );
      throw error;
    }
  }
  const rows: DoctorRow[] = [];
  for (let index = 0; index < checks.length; index += 4)
    rows.push(
      ...(await Promise.all(
        checks.slice(index, index + 4).map((check) => permissionRow(iam, roleArn, region, check)),
      )),
    );
  return rows;
}

async function permissionRow(
  iam: ReturnType<AwsClients['iam']>,
  roleArn: string,
  region: string,
  check: PermissionCheck,
): Promise<DoctorRow> {
  const label = `${check.stage}: ${check.what}`;
  try {
    const answers = await Promise.all(
      check.probes.map(async (probe) => ({
        probe,
        ...(await simulate(iam, roleArn, probe.action, probe.resource, probe.context)),
      })),
    );
    const wrong = answers.filter(
      (answer) => (answer.decision === 'allowed') !== (check.expect === 'allowed'),
    );
    if (wrong.length === 0) return pass(label, region);
    const calls = wrong.map(({ probe }) => `${probe.action} on ${probe.resource}`).join(', ');
    if (check.expect === 'allowed') {
      const denied = wrong.some((answer) => answer.decision === 'explicitDeny')
        ? 'a Deny in its policies refuses'
        : 'no statement allows';
      return fail(
        label,
        region,
        `The role may not: ${denied} ${calls}. Grant it as ${describeStatement(check.statement!)} does.`,
      );
    }
    return fail(
      label,
      region,
      `The role may: ${calls} is allowed, and AWS offers the condition that refuses it. Attach docs/iam-policy.json as documented (its conditions close this route).`,
    );
  } catch (error) {
    return couldNotCheck(label, region, error);
  }
}

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

export const doctorStage = defineStage<DoctorResult>({
  name: 'doctor',
  about: 'read-only: may the role make every call the stages make, and is the account ready?',
  compose: 'ignored',
  reads: [
    'baseRegion',
    'bootTest',
    'copy',
    'doctor',
    'flavours',
    'marketplace',
    'publish',
    'selection',
    'upload',
  ],
  inRun: false,
  run: runDoctor,
  table: (result) => doctorTable(result),
  outputs: (result) => ({
    doctor: JSON.stringify(result.rows),
    'doctor-failed': String(result.rows.filter((row) => row.result !== 'pass').length),
  }),
});
