/**
 * Rawhide's release number, read from the compose's rpms.json by streaming it: found across a read
 * boundary, the connection dropped once found, and a clear "unknown" when the package is not there.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawhideReleaseNumber } from '../../src/compose/rawhide-release.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';

let dir: string;
let files: FileServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-rawhide-release-'));
  // The key straddles the 64 KiB reads the server sends, and sits 3 MB into the file.
  const filler = 'x'.repeat(3 * 1024 * 1024 - 10);
  await mkdir(join(dir, 'found'), { recursive: true });
  await writeFile(
    join(dir, 'found', 'rpms.json'),
    `{"a": "${filler}", "fedora-release-common-0:45-0.20.noarch": {}, "z": "${filler}"}`,
  );
  await mkdir(join(dir, 'absent'), { recursive: true });
  await writeFile(
    join(dir, 'absent', 'rpms.json'),
    `{"payload": {"rpms": {"Everything": {"x86_64": {"bash-0:5.2-1.src": {}}}}}}`,
  );
  files = await startFileServer(dir);
});
afterAll(async () => {
  await files.close();
  await rm(dir, { recursive: true, force: true });
});

const policy = () => ({ allowedHosts: [files.host], allowHttp: true });

describe("Rawhide's release number from rpms.json", () => {
  it('is the version of the fedora-release package, read without keeping the file', async () => {
    expect(await rawhideReleaseNumber(new URL(`${files.url}found/`), policy())).toEqual({ release: 45 });
  });

  it('is unknown, with the reason, when the package is missing, the file too, or the host not allowed', async () => {
    expect(await rawhideReleaseNumber(new URL(`${files.url}absent/`), policy())).toEqual({
      missing: expect.stringContaining('lists no fedora-release package'),
    });
    expect(await rawhideReleaseNumber(new URL(`${files.url}nowhere/`), policy())).toEqual({
      missing: expect.stringContaining('answered HTTP 404'),
    });
    expect(
      await rawhideReleaseNumber(new URL(`${files.url}found/`), { allowedHosts: [], allowHttp: true }),
    ).toEqual({
      missing: expect.stringContaining('could not be read'),
    });
  });
});
