import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** Runs `npm start` the way a fresh clone does (tsx loader, no AWS account), with small images. */
function npmStart(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
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
