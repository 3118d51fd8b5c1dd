import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** Runs `npm start` the way a fresh clone does (tsx loader, no AWS account), with small images. */
function npmStart(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    // Nor the switch for the SDK's Node warning that the suite sets: a fresh shell has none.
    for (const name of [
      'AWS_ENDPOINT_URL',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
    ])
      delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start', () => {
  it('runs the whole pipeline into four regions against the embedded emulator and reports where the outputs are', async () => {
    const { code, stdout, stderr } = await npmStart(['--size-mib', '4']);
    expect(code, stderr).toBe(0);
    // Two arches × (base region + four copies), all public.
    expect(stdout.match(/ami-[0-9a-f]+\s+available\s+yes/g)).toHaveLength(10);
    const outDir = /outputs in (\S+)/.exec(stderr)![1]!;
    try {
      const manifest = JSON.parse(await readFile(`${outDir}/manifest.json`, 'utf8'));
      expect(manifest.images).toHaveLength(2);
      for (const record of manifest.images) expect(Object.keys(record.regions)).toHaveLength(5);
      const summary = await readFile(`${outDir}/summary.md`, 'utf8');
      for (const stage of ['plan', 'import', 'boot test', 'copy', 'publish', 'verify'])
        expect(summary).toContain(`### fedimg ${stage}`);
      expect(stderr).toMatch(/▸ Upload|%/); // progress was shown
      // On a Node outside the supported range, fedimg's one-line notice, once, instead of the SDK's
      // multi-line warning (which the demo's own set-up calls would otherwise print first).
      expect(stderr).not.toContain('NodeVersionSupportWarning');
      const notices = stderr.match(/is past its end of life and outside fedimg's supported range/g) ?? [];
      expect(notices).toHaveLength(Number(process.versions.node.split('.')[0]) < 22 ? 1 : 0);
      const indexPath = /Index of the current AMIs: (\S+)/.exec(stderr)![1]!;
      const page = await readFile(indexPath, 'utf8');
      for (const record of manifest.images)
        for (const ami of Object.values<string>(record.regions)) expect(page).toContain(ami);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('explains how to point the same run at real AWS', async () => {
    const { code, stdout } = await npmStart(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('AWS_ENDPOINT_URL');
    expect(stdout).toContain('npx fedimg run');
    expect(stdout).toContain('docs/iam-policy.json');
  });
});
