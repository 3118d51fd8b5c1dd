/**
 * The network a boot-test instance launches into: each region's default VPC ("Default VPCs", Amazon
 * VPC User Guide: one default subnet per Availability Zone and a security group named "default"),
 * present unless a test removes it, as an account that deleted its default VPC has none.
 */
import { createHash } from 'node:crypto';

/** Tag key → value (as state.ts keeps them). */
type Tags = Map<string, string>;

export interface Vpc {
  id: string;
  region: string;
  isDefault: boolean;
  cidr: string;
  tags: Tags;
}

export interface Subnet {
  id: string;
  region: string;
  vpcId: string;
  availabilityZone: string;
  cidr: string;
  defaultForAz: boolean;
  tags: Tags;
}

export interface SecurityGroup {
  id: string;
  region: string;
  vpcId: string;
  name: string;
  description: string;
  tags: Tags;
}

export const ZONES = ['a', 'b', 'c'] as const;

/** Stable IDs for a region's default network, so a saved state and a test can name them. */
const stableId = (prefix: string, seed: string) =>
  `${prefix}-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;

export class Network {
  vpcs = new Map<string, Vpc>();
  subnets = new Map<string, Subnet>();
  securityGroups = new Map<string, SecurityGroup>();

  /** Adds or removes a region's default VPC, its default subnets and its default security group. */
  setDefaultVpc(region: string, present: boolean): void {
    const vpcId = stableId('vpc', `${region}/default`);
    if (!present) {
      this.vpcs.delete(vpcId);
      for (const [id, subnet] of this.subnets) if (subnet.vpcId === vpcId) this.subnets.delete(id);
      for (const [id, group] of this.securityGroups)
        if (group.vpcId === vpcId) this.securityGroups.delete(id);
      return;
    }
    if (this.vpcs.has(vpcId)) return;
    this.vpcs.set(vpcId, { id: vpcId, region, isDefault: true, cidr: '172.31.0.0/16', tags: new Map() });
    ZONES.forEach((zone, index) => {
      const id = stableId('subnet', `${region}/default/${zone}`);
      this.subnets.set(id, {
        id,
        region,
        vpcId,
        availabilityZone: `${region}${zone}`,
        cidr: `172.31.${index * 16}.0/20`,
        defaultForAz: true,
        tags: new Map(),
      });
    });
    const groupId = stableId('sg', `${region}/default`);
    this.securityGroups.set(groupId, {
      id: groupId,
      region,
      vpcId,
      name: 'default',
      description: 'default VPC security group',
      tags: new Map(),
    });
  }

  defaultVpc(region: string): Vpc | undefined {
    return [...this.vpcs.values()].find((vpc) => vpc.region === region && vpc.isDefault);
  }

  defaultGroup(vpcId: string): SecurityGroup | undefined {
    return [...this.securityGroups.values()].find(
      (group) => group.vpcId === vpcId && group.name === 'default',
    );
  }
}
