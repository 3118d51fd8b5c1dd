/**
 * IAM roles as the emulator keeps them: the role every caller but the administrator acts as
 * (`fedimg`, held to the emulator's IAM policy), and the roles a test or a demo adds, such as the
 * access role AWS Marketplace assumes. Trust policies are kept as text, as IAM returns them.
 */
import { randomBytes } from 'node:crypto';
import { ACCOUNT_ID } from '../../constants.js';

export interface Role {
  name: string;
  path: string;
  arn: string;
  roleId: string;
  created: Date;
  /** The trust policy (AssumeRolePolicyDocument) as JSON text. */
  trustPolicy: string;
  /** Managed policies attached, by ARN (AWS managed: arn:aws:iam::aws:policy/<name>). */
  attached: string[];
  /** Inline policies by name, as JSON text. */
  inline: Map<string, string>;
  /** How long its sessions may last, in seconds (GetRole's MaxSessionDuration). */
  maxSessionDuration: number;
}

/** The role the emulator's callers act as (the session name is "emulator"). */
export const CALLER_ROLE = 'fedimg';

/**
 * AWS managed policies the emulator knows, by name, as AWS publishes them. AWSMarketplaceAmiIngestion
 * v1 (2020-09-25), read from the zoph-io/MAMIP copy of AWS's managed policies on 2026-12-04.
 */
export const AWS_MANAGED_POLICIES: Record<string, string> = {
  AWSMarketplaceAmiIngestion: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Action: ['ec2:ModifySnapshotAttribute'],
        Effect: 'Allow',
        Resource: 'arn:aws:ec2:us-east-1::snapshot/snap-*',
      },
      {
        Action: [
          'ec2:DescribeImageAttribute',
          'ec2:DescribeImages',
          'ec2:DescribeSnapshotAttribute',
          'ec2:ModifyImageAttribute',
        ],
        Effect: 'Allow',
        Resource: '*',
      },
    ],
  }),
};

export const awsManagedPolicyArn = (name: string) => `arn:aws:iam::aws:policy/${name}`;

export interface RoleSpec {
  name: string;
  path?: string;
  trustPolicy?: string | object;
  attached?: string[];
  inline?: Record<string, string | object>;
  /**
   * IAM API Reference, CreateRole: MaxSessionDuration, one hour unless set, from 1 to 12 hours
   * (3600 to 43200 seconds).
   */
  maxSessionDuration?: number;
}

const text = (value: string | object) => (typeof value === 'string' ? value : JSON.stringify(value));

export class IamState {
  roles = new Map<string, Role>();

  constructor() {
    this.putRole({
      name: CALLER_ROLE,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      },
    });
  }

  /** Creates or replaces a role (the control API's `role`). */
  putRole(spec: RoleSpec): Role {
    const path = spec.path ?? '/';
    if (!/^\/([\w+=,.@-]+\/)*$/.test(path)) throw new Error(`role path ${path} is not valid`);
    if (!/^[\w+=,.@-]{1,64}$/.test(spec.name)) throw new Error(`role name ${spec.name} is not valid`);
    const maxSessionDuration = spec.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43_200)
      throw new Error(
        `role ${spec.name}: MaxSessionDuration must be 1 to 12 hours, not ${maxSessionDuration} s`,
      );
    const role: Role = {
      name: spec.name,
      path,
      arn: `arn:aws:iam::${ACCOUNT_ID}:role${path}${spec.name}`,
      roleId: `AROA${randomBytes(8).toString('hex').toUpperCase().slice(0, 17)}`,
      created: new Date(),
      trustPolicy: text(spec.trustPolicy ?? { Version: '2012-10-17', Statement: [] }),
      attached: spec.attached ?? [],
      inline: new Map(Object.entries(spec.inline ?? {}).map(([name, policy]) => [name, text(policy)])),
      maxSessionDuration,
    };
    this.roles.set(role.name, role);
    return role;
  }

  roleByArn(arn: string): Role | undefined {
    return [...this.roles.values()].find((role) => role.arn === arn);
  }
}
