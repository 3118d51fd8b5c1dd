/** The account and region level: regions, zones, and tags on any resource. */

import { AwsError } from '../../errors.js';
import { type Tags } from '../../state.js';
import {
  getImage,
  getInstance,
  getSnapshot,
  matchesFilters,
  strings,
  changing,
  userTagKey,
  type Ec2Context,
  type Operations,
} from './common.js';

function optInStatus(settings: { optInRequired: boolean; optedIn: boolean }): string {
  return !settings.optInRequired ? 'opt-in-not-required' : settings.optedIn ? 'opted-in' : 'not-opted-in';
}

function taggable(ctx: Ec2Context, id: string): Tags {
  if (id.startsWith('ami-')) return getImage(ctx, id).tags;
  if (id.startsWith('snap-')) return getSnapshot(ctx, id).tags;
  if (id.startsWith('i-')) return getInstance(ctx, id).tags;
  if (id.startsWith('import-snap-')) {
    const task = ctx.state.importTasks.get(id);
    if (task) return task.tags;
  }
  const network = ctx.state.network;
  const part =
    (id.startsWith('vpc-') && network.vpcs.get(id)) ||
    (id.startsWith('subnet-') && network.subnets.get(id)) ||
    (id.startsWith('sg-') && network.securityGroups.get(id));
  if (part && part.region === ctx.region) return part.tags;
  throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
}

export const accountOperations: Operations = {
  DescribeRegions(ctx, input) {
    const names = strings(input.RegionNames);
    const regions = [...ctx.state.regions].filter(([name, settings]) => {
      if (names.length > 0) return names.includes(name);
      return input.AllRegions === true || settings.optedIn;
    });
    for (const name of names) {
      if (!ctx.state.regions.has(name))
        throw new AwsError('InvalidParameterValue', `Invalid region: ${name}`);
    }
    return {
      Regions: regions
        .filter(([name, settings]) =>
          matchesFilters(input.Filters, (filter) => {
            if (filter === 'region-name') return [name];
            if (filter === 'opt-in-status') return [optInStatus(settings)];
            return undefined;
          }),
        )
        .map(([name, settings]) => ({
          RegionName: name,
          Endpoint: `ec2.${name}.amazonaws.com`,
          OptInStatus: optInStatus(settings),
        })),
    };
  },

  DescribeAvailabilityZones(ctx) {
    return {
      AvailabilityZones: ['a', 'b', 'c'].map((suffix, index) => ({
        ZoneName: `${ctx.region}${suffix}`,
        ZoneId: `${ctx.region.replace(/-/g, '').slice(0, 4)}-az${index + 1}`,
        State: 'available',
        RegionName: ctx.region,
        ZoneType: 'availability-zone',
        OptInStatus: 'opt-in-not-required',
      })),
    };
  },

  CreateTags(ctx, input) {
    const resources = strings(input.Resources).map((id) => taggable(ctx, id));
    // Every key checked before any resource changes.
    const added = ((input.Tags as Array<{ Key?: string; Value?: string }> | undefined) ?? [])
      .filter((tag) => tag.Key)
      .map((tag) => [userTagKey(tag.Key!), tag.Value ?? ''] as const);
    for (const tags of resources) {
      changing(ctx, tags, (value) => new Map(value));
      for (const [key, value] of added) tags.set(key, value);
    }
    return {};
  },

  DeleteTags(ctx, input) {
    for (const id of strings(input.Resources)) {
      const tags = taggable(ctx, id);
      changing(ctx, tags, (value) => new Map(value));
      for (const tag of (input.Tags as Array<{ Key?: string; Value?: string }> | undefined) ?? []) {
        if (tag.Key && (tag.Value === undefined || tags.get(tag.Key) === tag.Value)) tags.delete(tag.Key);
      }
    }
    return {};
  },
};
