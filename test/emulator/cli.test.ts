import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  CreateTagsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  waitUntilSnapshotCompleted,
} from '@aws-sdk/client-ec2';
import {
  EBSClient,
  CompleteSnapshotCommand,
  GetSnapshotBlockCommand,
  ListSnapshotBlocksCommand,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
} from '@aws-sdk/client-ebs';
import { afterAll, describe, expect, it } from 'vitest';

const dir = await mkdtemp(join(tmpdir(), 'fedimg-emulator-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function startCli(...options: string[]): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', ...options], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    endpoint: line.toString().trim(),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

describe('npm run emulator', () => {
  it('prints its endpoint, serves the SDK there, and resumes from its state file', async () => {
    const state = join(dir, 'state.json');
    const first = await startCli('--state', state);
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
    const ebs = new EBSClient({ region: 'eu-west-1', endpoint: first.endpoint, credentials });
    const { SnapshotId } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 0 }));
    await new EC2Client({ region: 'eu-west-1', endpoint: first.endpoint, credentials }).send(
      new CreateTagsCommand({ Resources: [SnapshotId!], Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }),
    );
    await first.stop();

    const second = await startCli('--state', state);
    const ec2 = new EC2Client({ region: 'eu-west-1', endpoint: second.endpoint, credentials });
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    await second.stop();
    expect(snapshots.Snapshots).toEqual([
      expect.objectContaining({
        SnapshotId,
        State: 'completed',
        Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }],
      }),
    ]);
  });

  it('with --no-data checks blocks but does not keep them, also after a reset through the control API', async () => {
    // The benchmarks reset the emulator between runs; a reset that turned storage back on made
    // it hold every GiB uploaded and spend its CPU on that, skewing the figures.
    const emulator = await startCli('--no-data');
    try {
      const reset = await fetch(`${emulator.endpoint}/__emulator/reset`, { method: 'POST', body: '{}' });
      expect(reset.ok).toBe(true);
      const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
      const ebs = new EBSClient({ region: 'eu-west-1', endpoint: emulator.endpoint, credentials });
      const { SnapshotId } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
      const data = Buffer.alloc(524288, 7);
      await ebs.send(
        new PutSnapshotBlockCommand({
          SnapshotId,
          BlockIndex: 0,
          BlockData: data,
          DataLength: data.length,
          Checksum: createHash('sha256').update(data).digest('base64'),
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      await ebs.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 1 }));
      await waitUntilSnapshotCompleted(
        {
          client: new EC2Client({ region: 'eu-west-1', endpoint: emulator.endpoint, credentials }),
          minDelay: 0.05,
          maxDelay: 0.1,
          maxWaitTime: 10,
        },
        { SnapshotIds: [SnapshotId!] },
      );
      const listed = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId }));
      expect(listed.Blocks).toEqual([expect.objectContaining({ BlockIndex: 0 })]);
      await expect(
        ebs.send(
          new GetSnapshotBlockCommand({
            SnapshotId,
            BlockIndex: 0,
            BlockToken: listed.Blocks![0]!.BlockToken,
          }),
        ),
      ).rejects.toThrow(/without storing block data/);
    } finally {
      await emulator.stop();
    }
  });
});
