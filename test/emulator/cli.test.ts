import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EBSClient, CompleteSnapshotCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { afterAll, describe, expect, it } from 'vitest';

const dir = await mkdtemp(join(tmpdir(), 'fedimg-emulator-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function startCli(state: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/emulator/cli.ts', '--port', '0', '--state', state],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
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
    const first = await startCli(state);
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
    const ebs = new EBSClient({ region: 'eu-west-1', endpoint: first.endpoint, credentials });
    const { SnapshotId } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 0 }));
    await new EC2Client({ region: 'eu-west-1', endpoint: first.endpoint, credentials }).send(
      new CreateTagsCommand({ Resources: [SnapshotId!], Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }),
    );
    await first.stop();

    const second = await startCli(state);
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
});
