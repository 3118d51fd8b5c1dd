// npm run bench:profile — where fedimg's own CPU goes: one ingest of the cached 1 GiB bench image
// through the bundled CLI, with V8's --cpu-prof, summarised by what the time was spent on. Run
// `npm run bench` first (it generates the image). The emulator runs in its own process, not profiled.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompressedImage } from '../test/fixtures/disk-image.js';
import { startFileServer } from '../test/fixtures/file-server.js';
import { matrixEntry, startEmulator } from './common.js';

const IMAGE = 'bench/.cache/fedora-like-1073742601.raw.xz';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a sampled frame was doing, in the terms of the ingest. */
function category({ functionName, url }: ProfileNode['callFrame']): string {
  if (functionName === '(idle)') return 'idle (waiting for the network, xz or the emulator)';
  if (url.includes('crypto/hash') || functionName === 'Hmac')
    return 'SHA-256 (compressed stream, blocks, signing)';
  if (functionName === 'writev' || url.includes('_http_') || url.includes('net'))
    return 'HTTP: sockets and request/response handling';
  if (functionName === 'writeBuffer') return 'writes to the decoder (xz stdin)';
  if (functionName === '(garbage collector)') return 'garbage collection';
  // esbuild's module wrappers: __init (an ES module's body), __require (a CommonJS module's).
  if (url.includes('modules/') || url.includes('bootstrap') || ['__init', '__require'].includes(functionName))
    return 'start-up (loading the bundle)';
  if (
    url.includes('streams/') ||
    url.includes('buffer') ||
    url.includes('events') ||
    url.includes('stream_base')
  )
    return 'streams, buffers and events (decoder output → blocks)';
  if (url.includes('/dist/cli/')) return 'fedimg and SDK JavaScript (signing, retry, progress)';
  return 'other (V8, microtasks, timers)';
}

const meta = JSON.parse(readFileSync(`${IMAGE}.json`, 'utf8')) as CompressedImage;
const files = await startFileServer('bench/.cache');
const emulator = await startEmulator();
const endpoint = emulator.endpoint;
const profiles = mkdtempSync(join(tmpdir(), 'fedimg-profile-'));
try {
  const entry = matrixEntry(files, meta);
  const args = ['import', '--image', JSON.stringify(entry), '--allowed-hosts', files.host, '--allow-http'];
  const cli = spawn(
    process.execPath,
    ['--max-semi-space-size=1', '--cpu-prof', `--cpu-prof-dir=${profiles}`, 'dist/cli/index.js', ...args],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_REGION: 'us-east-1',
      },
    },
  );
  const code = await new Promise<number | null>((resolve) => cli.on('close', resolve));
  if (code !== 0) throw new Error(`fedimg import exited ${code}`);
  const profile = JSON.parse(
    readFileSync(
      join(
        profiles,
        readdirSync(profiles).find((file) => file.endsWith('.cpuprofile'))!,
      ),
      'utf8',
    ),
  ) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const what = category(frames.get(id)!);
    totals.set(what, (totals.get(what) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1e6);
  });
  const busy = [...totals].filter(([what]) => !what.startsWith('idle')).reduce((sum, [, s]) => sum + s, 0);
  const gib = meta.rawSize / 2 ** 30;
  console.log(`fedimg's main thread, ${gib.toFixed(2)} GiB raw image (profiler overhead included)`);
  for (const [what, seconds] of [...totals].sort((a, b) => b[1] - a[1]))
    console.log(
      `${(seconds / gib).toFixed(2).padStart(6)} s/GiB  ${what.startsWith('idle') ? '    ' : `${((100 * seconds) / busy).toFixed(0).padStart(3)}%`}  ${what}`,
    );
  console.log(`${(busy / gib).toFixed(2).padStart(6)} s/GiB  busy in all`);
} finally {
  await emulator.stop();
  await files.close();
  rmSync(profiles, { recursive: true, force: true });
}
