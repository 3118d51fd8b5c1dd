/**
 * What a permission check is, and the helpers that write them: ARNs in the role's partition and
 * account, the tags fedimg asks for or a resource of fedimg's carries, and the list being built.
 */
import { MANAGED_BY, TAG } from '../aws/tags.js';
import type { DoctorStage } from '../settings/index.js';
import { STATEMENT, type DocumentedStatement } from './statements.js';

export type Context = Record<string, string | string[]>;

/** One simulated authorization: an action on one resource with its context. */
export interface Probe {
  action: string;
  resource: string;
  context: Context;
}

export interface PermissionCheck {
  stage: DoctorStage;
  /** What fedimg does with it (or what must stay impossible), for the table. */
  what: string;
  expect: 'allowed' | 'denied';
  /** The documented statement that grants it (allowed checks). */
  statement?: DocumentedStatement;
  probes: Probe[];
}

export interface NetworkFacts {
  /** The groups a boot test launches into, with their tags (the simulator needs them given). */
  groups: Array<{ id: string; tags: Record<string, string> }>;
  /** The configured subnet, if any (without one, RunInstances authorizes no subnet). */
  subnet: { id: string; tags: Record<string, string> } | undefined;
}

export interface ProbeSettings {
  partition: string;
  account: string;
  baseRegion: string;
  /** A region copies go to (the base region when there is none). */
  destination: string;
  stages: ReadonlySet<DoctorStage>;
  s3Bucket: string | undefined;
  kmsKeyArn: string | undefined;
  encrypted: boolean;
  instanceTypes: string[];
  network: NetworkFacts | undefined;
  marketplace: {
    products: string[];
    accessRoleArn: string | undefined;
    restrictPrevious: boolean;
    validateOnly: boolean;
  };
}

// IDs that stand for "fedimg's" and "someone else's" resources in the simulated ARNs.
export const OURS = '0fedc0ffee0000001';
export const THEIRS = '0a1b2c3d4e5f60718';

/** The tags fedimg asks for when it creates something (ManagedBy and its own keys). */
export const requestTags = (extra: string[] = []): Context => ({
  [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY,
  'aws:TagKeys': [TAG.managedBy, TAG.composeId, TAG.image, TAG.sourceSha256, TAG.arch, TAG.name, ...extra],
});
export const fedimgResource: Context = { [`aws:ResourceTag/${TAG.managedBy}`]: MANAGED_BY };
export const tagsOf = (tags: Record<string, string>): Context =>
  Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));

export const probe = (action: string, resource: string, context: Context = {}): Probe => ({
  action,
  resource,
  context,
});

/** The checks being written, with ARNs in the role's partition and account. */
export class CheckList {
  readonly checks: PermissionCheck[] = [];

  constructor(readonly settings: ProbeSettings) {}

  on(stage: DoctorStage): boolean {
    return this.settings.stages.has(stage);
  }

  ec2(region: string, type: string, id: string, account = ''): string {
    return `arn:${this.settings.partition}:ec2:${region}:${account}:${type}/${id}`;
  }

  snapshot(id: string, region = this.settings.baseRegion): string {
    return this.ec2(region, 'snapshot', id);
  }

  image(id: string, region = this.settings.baseRegion): string {
    return this.ec2(region, 'image', id);
  }

  /** An EC2 resource whose ARN carries the account (instances, tasks, network parts). */
  owned(type: string, id: string, region = this.settings.baseRegion): string {
    return this.ec2(region, type, id, this.settings.account);
  }

  catalog(kind: string, id: string): string {
    return `arn:${this.settings.partition}:aws-marketplace:us-east-1:${this.settings.account}:AWSMarketplace/${kind}/${id}`;
  }

  role(name: string): string {
    return `arn:${this.settings.partition}:iam::${this.settings.account}:role/${name}`;
  }

  allow(stage: DoctorStage, what: string, statement: DocumentedStatement, probes: Probe[]): void {
    this.checks.push({ stage, what, expect: 'allowed', statement, probes });
  }

  deny(stage: DoctorStage, what: string, probes: Probe[]): void {
    this.checks.push({ stage, what, expect: 'denied', probes });
  }

  /** Calls without resource-level permissions, which ReadTheAccount grants on *. */
  reads(stage: DoctorStage, actions: string[]): void {
    this.allow(
      stage,
      'read the account',
      STATEMENT.read,
      actions.map((action) => probe(action, '*')),
    );
  }
}
