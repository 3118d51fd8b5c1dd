import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { newId } from '../../emulator/state.js';
import { fedimgAmisOf, ownAmis, publicAmiCount, publicFedimgAmis } from '../../src/aws/images.js';
import { fedimgSnapshots } from '../../src/aws/snapshots.js';
import type { PlannedImage } from '../../src/compose/types.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';

// The EC2 Developer Guide (Pagination in the Amazon EC2 API): describe calls over many resources
// should ask in pages (MaxResults, NextToken), since unpaginated ones may be throttled or time out.
// Fedora's account holds thousands of AMIs and snapshots per region; fedimg's listings read them all.
const COUNT = 1005;
const SHA256 = 'a'.repeat(64);

let emulator: Emulator;
let ec2: EC2Client;
beforeAll(async () => {
  emulator = await startEmulator();
  ec2 = new EC2Client({ region: 'us-east-1' });
  const { imageId, snapshotId } = await makeAmi({
    tags: { ManagedBy: 'fedimg', 'fedimg:source-sha256': SHA256 },
    public: true,
  });
  // More of the same, made directly in the account: registering a thousand AMIs through the API
  // would take most of this file's time and show nothing more.
  const image = emulator.state.images.get(imageId)!;
  const snapshot = emulator.state.snapshots.get(snapshotId)!;
  for (let i = 1; i < COUNT; i++) {
    const id = newId('ami');
    emulator.state.images.set(id, { ...structuredClone(image), id, name: `${image.name}-${i}` });
    const copy = newId('snap');
    emulator.state.snapshots.set(copy, { ...structuredClone(snapshot), id: copy });
  }
});
afterAll(async () => {
  ec2.destroy();
  await emulator.stop();
});

/** What a listing returned, and how many requests of `operation` it made. */
async function listed<T>(
  operation: string,
  list: () => Promise<T[]>,
): Promise<{ items: T[]; requests: number }> {
  const before = emulator.requests().length;
  const items = await list();
  const requests = emulator
    .requests()
    .slice(before)
    .filter((request) => request.operation === operation).length;
  return { items, requests };
}

describe('listings over more than 1,000 AMIs and snapshots', () => {
  it.each([
    ['every AMI of the account (cleanup)', () => ownAmis(ec2)],
    ["fedimg's public AMIs (the index)", () => publicFedimgAmis(ec2)],
    ["an image's AMIs (re-runs)", () => fedimgAmisOf(ec2, { sha256: SHA256 } as PlannedImage)],
  ])('reads %s in pages of at most 1,000, and finds every one', async (_what, list) => {
    const { items, requests } = await listed('DescribeImages', list);
    expect(items).toHaveLength(COUNT);
    expect(new Set(items.map((image) => image.ImageId)).size).toBe(COUNT);
    expect(requests).toBe(2);
  });

  it('counts the public AMIs (the quota pre-flight) in pages', async () => {
    const { items, requests } = await listed('DescribeImages', async () => [await publicAmiCount(ec2)]);
    expect(items).toEqual([COUNT]);
    expect(requests).toBe(2);
  });

  it("reads fedimg's snapshots (cleanup) in pages, and finds every one", async () => {
    const { items, requests } = await listed('DescribeSnapshots', () => fedimgSnapshots(ec2));
    expect(new Set(items.map((snapshot) => snapshot.SnapshotId)).size).toBe(COUNT);
    expect(requests).toBe(2);
  });
});
