// What the benchmark and the profiler share: the emulator they run against and the matrix entry of
// a generated image.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { CompressedImage } from '../test/fixtures/disk-image.js';
import type { FileServer } from '../test/fixtures/file-server.js';

/** The emulator in its own process (its CPU is measured apart), block data not kept, signatures checked. */
export async function startEmulator(): Promise<{
  endpoint: string;
  control: (action: string, body?: unknown) => Promise<void>;
  /** Resolves once the process has exited, so it takes no CPU from what is measured next. */
  stop: () => Promise<void>;
  cpu: () => number;
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', '--no-data', '--credentials', 'bench:bench'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const endpoint = await new Promise<string>((resolve) =>
    child.stdout.once('data', (line: Buffer) => resolve(line.toString().trim())),
  );
  return {
    endpoint,
    control: async (action, body = {}) => {
      const response = await fetch(`${endpoint}/__emulator/${action}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`emulator ${action}: ${response.status}`);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
    cpu: () => cpuSeconds(child.pid!).own,
  };
}

/** CPU seconds of a process (own, and of the children it waited for), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | 'self'): { own: number; children: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = (index: number) => Number(fields[index - 3]);
  return { own: (ticks(14) + ticks(15)) / 100, children: (ticks(16) + ticks(17)) / 100 };
}

/** One entry of the plan's matrix for a generated image served by `files`. */
export function matrixEntry(files: FileServer, compressed: CompressedImage) {
  const name = compressed.path.split('/').pop()!;
  return {
    name: name.replace(/\.raw\.xz$/, ''),
    file: name,
    arch: 'x86_64',
    ec2_arch: 'x86_64',
    url: `${files.url}${name}`,
    size: compressed.size,
    sha256: compressed.sha256,
    compose_id: 'Fedora-43-20260301.0',
    release: '43',
    subvariant: 'Cloud_Base',
    variant: 'Cloud',
    compose_type: 'production',
    compose_date: '20260301',
    compose_respin: 0,
    label: 'RC-1.6',
  };
}
