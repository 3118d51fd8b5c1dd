// npm run bench — fedimg's figures on this machine (not part of npm test). See docs/benchmarks.md.
import { execFileSync, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  createReadStream,
  closeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { hasSystemXz } from '../src/image/decompress.js';
import { writeCompressedImage, type CompressedImage } from '../test/fixtures/disk-image.js';
import { startFileServer, type FileServer } from '../test/fixtures/file-server.js';
import { runAction } from '../test/helpers/runner.js';
import { cpuSeconds, matrixEntry, startEmulator } from './common.js';

const GIB = 2 ** 30;
const CACHE = 'bench/.cache';
const MIX = { zeros: 0.6, random: 0.25 }; // the rest compressible text, as in Fedora's images

interface Row {
  row: string;
  seconds: number | null;
  mbPerSecond: number | null;
  note: string;
}

async function image(rawSize: number): Promise<CompressedImage> {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `fedora-like-${rawSize}.raw.xz`);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as CompressedImage;
  process.stderr.write(
    `generating a ${(rawSize / GIB).toFixed(0)} GiB Fedora-like image (cached in ${CACHE}) ...\n`,
  );
  const generated = await writeCompressedImage(path, rawSize, 'bench', MIX);
  writeFileSync(meta, JSON.stringify(generated));
  return generated;
}

function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint();
  return work().then((value) => ({ seconds: Number(process.hrtime.bigint() - started) / 1e9, value }));
}

/**
 * `xz` decompressing the image to /dev/null: with -T0 (every core) it is the wall-clock limit;
 * single-threaded (-T1, which is what plain `xz -dc` does on xz 5.4; newer xz may default to
 * threads) it is the least decoding CPU any ingest must spend.
 */
async function xzAlone(path: string, threads: '-T0' | '-T1'): Promise<{ seconds: number; cpu: number }> {
  const devNull = openSync('/dev/null', 'w');
  const before = cpuSeconds('self').children;
  try {
    const { seconds } = await timed(
      () =>
        new Promise<void>((resolve, reject) => {
          const xz = spawn('xz', [threads, '-dc', path], { stdio: ['ignore', devNull, 'inherit'] });
          xz.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`xz exited ${code}`))));
        }),
    );
    return { seconds, cpu: cpuSeconds('self').children - before };
  } finally {
    closeSync(devNull);
  }
}

/**
 * CPU seconds SHA-256 needs for `bytes` bytes on this machine: the hashing no ingest can avoid (the
 * compressed stream is verified, every raw block carries its checksum). SHA-256 costs the same for any
 * content, so a 64 MiB random buffer hashed over and over stands for the image's bytes.
 */
function sha256CpuSeconds(bytes: number): number {
  const buffer = randomBytes(64 * 2 ** 20);
  const before = process.cpuUsage();
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; left -= buffer.length)
    hash.update(left >= buffer.length ? buffer : buffer.subarray(0, left));
  hash.digest();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** The bundled action's import stage as the runner runs it (INPUT_* env, command files, no node flags). */
async function actionIngest(
  files: FileServer,
  compressed: CompressedImage,
  endpoint: string,
): Promise<{ seconds: number; rssMiB: number }> {
  // The action writes its events file into the job's workspace: a scratch one here.
  const workspace = mkdtempSync(join(tmpdir(), 'fedimg-bench-workspace-'));
  const { seconds, value: run } = await timed(() =>
    runAction(join(process.cwd(), 'dist/action/index.js'), {
      cwd: workspace,
      inputs: {
        stage: 'import',
        image: JSON.stringify(matrixEntry(files, compressed)),
        'allowed-hosts': files.host,
        'allow-http': 'true',
      },
      env: {
        // Only reports peak RSS at exit; it changes nothing about how the action runs.
        NODE_OPTIONS: `--import ${join(process.cwd(), 'bench/report-rss.mjs')}`,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_REGION: 'us-east-1',
      },
    }),
  );
  rmSync(workspace, { recursive: true, force: true });
  if (run.exitCode !== 0)
    throw new Error(`the action's import failed:\n${run.stdout.slice(-2000)}${run.stderr.slice(-2000)}`);
  const reported = Number(/FEDIMG_BENCH_MAXRSS_KB=(\d+)/.exec(run.stderr)?.[1] ?? NaN);
  return { seconds, rssMiB: reported / 1024 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The bundled CLI, as a maintainer runs it, against the emulator. */
function fedimg(args: string[], endpoint: string, preload: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    // Executed as `npx fedimg` runs it (through its shebang and the flags there); the preload
    // comes in through NODE_OPTIONS.
    const child = spawn('dist/cli/index.js', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, ...preload].filter(Boolean).join(' '),
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_REGION: 'us-east-1',
      },
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(stderr)
        : reject(new Error(`fedimg ${args[0]} exited ${code}:\n${stderr.slice(-2000)}`)),
    );
  });
}

/** The real CLI from dist/, as a maintainer runs it; returns wall time and its peak RSS. */
interface IngestRun {
  seconds: number;
  rssMiB: number;
  /**
   * CPU seconds: fedimg's process, its main thread alone, its busiest other thread, its xz decoder,
   * and the emulator receiving the blocks.
   */
  cpu: { fedimg: number; main: number; busiestOther: number; xz: number; emulator: number };
}

async function ingest(
  files: FileServer,
  compressed: CompressedImage,
  emulator: { endpoint: string; cpu: () => number },
): Promise<IngestRun> {
  const entry = matrixEntry(files, compressed);
  const endpoint = emulator.endpoint;
  const emulatorBefore = emulator.cpu();
  let stderr = '';
  const { seconds } = await timed(async () => {
    stderr = await fedimg(
      [
        'import',
        '--image',
        JSON.stringify(entry),
        '--allowed-hosts',
        files.host,
        '--allow-http',
        '--events-file',
        '/dev/null',
        '--json',
      ],
      endpoint,
      ['--import', './bench/report-rss.mjs'],
    );
  });
  const reported = (name: string) => Number(new RegExp(`${name}=([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  const summary = stderr.split('\n').find((line) => line.includes('blocks (')) ?? '';
  process.stderr.write(`  ${summary.trim()}\n`);
  return {
    seconds,
    rssMiB: reported('FEDIMG_BENCH_MAXRSS_KB') / 1024,
    cpu: {
      fedimg: reported('FEDIMG_BENCH_CPU_S'),
      main: reported('FEDIMG_BENCH_MAIN_THREAD_CPU_S'),
      busiestOther: reported('FEDIMG_BENCH_BUSIEST_OTHER_THREAD_CPU_S'),
      xz: reported('FEDIMG_BENCH_CHILD_CPU_S'),
      emulator: emulator.cpu() - emulatorBefore,
    },
  };
}

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/**
 * Every measurement gets an emulator of its own. A reset clears its state but not its process: after
 * the old way's 2 GiB S3 upload the emulator's V8 ran a full mark-compact every few dozen requests
 * (118 in the next ingest instead of 3), which doubled its CPU, on the cores fedimg was being
 * measured on.
 */
async function withEmulator<T>(measure: (emulator: Emulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator();
  try {
    return await measure(emulator);
  } finally {
    await emulator.stop();
  }
}

/**
 * Row 6: one image into 30 regions, every copy taking L seconds in the emulator. Fan-out is good
 * when the wall time stays near L (all regions at once), not 30·L (the old service's serial copies).
 */
async function fanout(
  files: FileServer,
  compressed: CompressedImage,
  emulator: Emulator,
  copySeconds: number,
): Promise<{ seconds: number; regions: number }> {
  const optIn = [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-south-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-west-1',
    'eu-central-2',
    'eu-south-1',
    'eu-south-2',
    'il-central-1',
    'me-south-1',
    'me-central-1',
    'mx-central-1',
  ];
  for (const region of optIn) await emulator.control('region', { region, optedIn: true });
  const regions = [
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'ap-south-1',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-southeast-1',
    'ap-southeast-2',
    'ca-central-1',
    'eu-central-1',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-north-1',
    'sa-east-1',
    ...optIn,
  ].slice(0, 30);
  const entry = JSON.stringify(matrixEntry(files, compressed));
  const common = [
    '--image',
    entry,
    '--allowed-hosts',
    files.host,
    '--allow-http',
    '--events-file',
    '/dev/null',
  ];
  await fedimg(['import', ...common], emulator.endpoint);
  await fedimg(['boot-test', ...common], emulator.endpoint);
  await emulator.control('durations', { copy: copySeconds * 1000 });
  const { seconds } = await timed(() =>
    fedimg(['copy', ...common, '--regions', regions.join(',')], emulator.endpoint),
  );
  return { seconds, regions: regions.length };
}

/** The old way's time, and each of its phases. */
interface OldWay {
  seconds: number;
  download: number;
  decompress: number;
  upload: number;
}

/** What the old service did: download to a file, decompress to a file, upload the raw file to S3. */
async function oldWay(files: FileServer, compressed: CompressedImage, endpoint: string): Promise<OldWay> {
  const name = compressed.path.split('/').pop()!;
  const work = join(CACHE, 'old-way');
  mkdirSync(work, { recursive: true });
  const phases = { download: 0, decompress: 0, upload: 0 };
  const phase = async (which: keyof typeof phases, work: () => Promise<void> | void) =>
    (phases[which] = (await timed(async () => work())).seconds);
  try {
    const { seconds } = await timed(async () => {
      await phase('download', async () => {
        const response = await fetch(`${files.url}${name}`);
        await pipeline(response.body!, createWriteStream(join(work, name)));
      });
      await phase(
        'decompress',
        () =>
          void execFileSync('sh', ['-c', `xz -T0 -dc '${join(work, name)}' > '${join(work, 'image.raw')}'`]),
      );
      const s3 = new S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      });
      await phase('upload', async () => {
        await s3.send(new CreateBucketCommand({ Bucket: 'old-way' })).catch(() => undefined);
        await new Upload({
          client: s3,
          params: { Bucket: 'old-way', Key: 'image.raw', Body: createReadStream(join(work, 'image.raw')) },
          partSize: 64 * 2 ** 20,
          queueSize: 4,
        }).done();
      });
      s3.destroy();
    });
    return { seconds, ...phases };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What loopback itself costs a sender: a bare Node process writing `bytes` in 512 KiB buffers to a
 * local TCP reader that discards them (in this process), its CPU seconds per GiB. Against AWS the
 * receiving side's kernel work is not the sender's; over loopback part of it is.
 */
async function loopbackSender(bytes: number): Promise<number> {
  const server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const script = `
    const socket = require('node:net').connect(${port}, '127.0.0.1');
    const block = require('node:crypto').randomBytes(512 * 1024);
    let left = ${bytes};
    const more = () => {
      while (left > 0) { left -= block.length; if (!socket.write(block)) return socket.once('drain', more); }
      socket.end(() => { const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1e6)); });
    };
    socket.on('connect', more);`;
  try {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let cpu = '';
    child.stdout.on('data', (chunk: Buffer) => (cpu += chunk.toString()));
    await once(child, 'close');
    return Number(cpu) / (bytes / GIB);
  } finally {
    server.close();
  }
}

const fmt = (value: number | null, digits = 2) =>
  value === null || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

/** `npm start` as a user runs it, timed from spawn to exit; it must succeed. */
async function demo(): Promise<number> {
  const env = { ...process.env };
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_REGION']) delete env[name];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`npm start exited with ${code}`);
  return (performance.now() - started) / 1000;
}

/** The ratios that vary from run to run, measured `runs` times on the 2 GiB image. */
interface IngestRound {
  limit: { seconds: number; cpu: number };
  /** `xz -dc` alone: the decoding part of the CPU floor. */
  xzFloor: { seconds: number; cpu: number };
  fast: IngestRun;
  old: OldWay;
  slow: IngestRun;
}

async function round(files: FileServer, two: CompressedImage): Promise<IngestRound> {
  const limit = await xzAlone(two.path, '-T0');
  const xzFloor = await xzAlone(two.path, '-T1');
  const fast = await withEmulator((emulator) => ingest(files, two, emulator));
  const old = await withEmulator((emulator) => oldWay(files, two, emulator.endpoint));
  const slow = await withEmulator(async (emulator) => {
    await emulator.control('latency', { PutSnapshotBlock: 50 });
    return ingest(files, two, emulator);
  });
  return { limit, xzFloor, fast, old, slow };
}

const RUNS = Number(process.env.FEDIMG_BENCH_RUNS ?? 3);

async function main(): Promise<void> {
  if (!hasSystemXz()) throw new Error('the benchmark compares against `xz -T0 -dc`: install xz');
  const two = await image(2 * GIB + 12345);
  const one = await image(GIB + 777);
  const four = await image(4 * GIB + 4321);
  const tiny = await image(8 * 2 ** 20 + 3);
  const files = await startFileServer(CACHE);
  const rows: Row[] = [];
  try {
    // The floor: what any ingest of this image must spend, measured now, on this machine.
    const hashing = { raw: sha256CpuSeconds(two.rawSize), compressed: sha256CpuSeconds(two.size) };
    const rounds: IngestRound[] = [];
    for (let run = 1; run <= RUNS; run++) {
      process.stderr.write(`run ${run} of ${RUNS}\n`);
      rounds.push(await round(files, two));
    }
    const per = (pick: (r: IngestRound) => number) => median(rounds.map(pick));
    const cores = cpus().length;
    const gib = two.rawSize / GIB;
    const overheadOf = (r: IngestRound) =>
      (r.fast.cpu.fedimg + r.fast.cpu.xz) / (r.xzFloor.cpu + hashing.raw + hashing.compressed);
    const limit = per((r) => r.limit.seconds);
    const ingestSeconds = per((r) => r.fast.seconds);
    const fedimgCpu = per((r) => r.fast.cpu.fedimg);
    const xzCpu = per((r) => r.fast.cpu.xz);
    const xzAloneCpu = per((r) => r.xzFloor.cpu);
    const emulatorCpu = per((r) => r.fast.cpu.emulator);
    const old = per((r) => r.old.seconds);
    const mainCpu = per((r) => r.fast.cpu.main);
    const busiestCpu = per((r) => Math.max(r.fast.cpu.main, r.fast.cpu.busiestOther));
    const loopback = await loopbackSender(two.rawSize);
    const slowSeconds = per((r) => r.slow.seconds);
    const wallFloorOf = (r: IngestRound) => (r.fast.cpu.fedimg + r.fast.cpu.xz + r.fast.cpu.emulator) / cores;
    const ratios = {
      cpu_overhead: per(overheadOf),
      fedimg_cpu_s_per_gib: per((r) => r.fast.cpu.fedimg / gib),
      ingest_vs_limit: per((r) => r.fast.seconds / r.limit.seconds),
      speedup_vs_old_way: per((r) => r.old.seconds / r.fast.seconds),
      latency_cost: per((r) => 1 - r.fast.seconds / r.slow.seconds),
      main_thread_cpu_s_per_gib: mainCpu / gib,
      busiest_thread_cpu_s_per_gib: busiestCpu / gib,
      // How fast one fedimg process could feed uploads with cores to spare: its busiest thread.
      ceiling_mib_s: 1024 / (busiestCpu / gib),
      loopback_sender_cpu_s_per_gib: loopback,
      // On this machine fedimg, xz and the emulator share the cores: the ingest cannot take less
      // wall time than all their CPU spread over every core, so the old way's time over that is the
      // most speedup_vs_old_way can be here, however the work is arranged.
      speedup_ceiling_here: per((r) => r.old.seconds / wallFloorOf(r)),
    };
    rows.push({
      row: '1. limit: xz -T0 -dc (2 GiB)',
      seconds: limit,
      mbPerSecond: two.rawSize / 1e6 / limit,
      note: `decompression alone, local file; ${fmt(per((r) => r.limit.cpu))} CPU s (single-threaded \`xz -dc\`: ${fmt(xzAloneCpu)})`,
    });
    rows.push({
      row: '2. fedimg ingest (ebs-direct)',
      seconds: ingestSeconds,
      mbPerSecond: two.rawSize / 1e6 / ingestSeconds,
      note: `download+verify+decompress+upload; peak RSS ${fmt(
        per((r) => r.fast.rssMiB),
        0,
      )} MiB`,
    });
    rows.push({
      row: '2b. CPU: fedimg + decoder vs floor',
      seconds: null,
      mbPerSecond: null,
      note: `fedimg ${fmt(fedimgCpu)} (${fmt(ratios.fedimg_cpu_s_per_gib)}/GiB) + xz ${fmt(xzCpu)} vs floor xz -dc alone ${fmt(xzAloneCpu)} + SHA-256 raw ${fmt(hashing.raw)} + compressed ${fmt(hashing.compressed)} → cpu_overhead ${fmt(ratios.cpu_overhead)}; emulator ${fmt(emulatorCpu)} (not counted)`,
    });
    rows.push({
      row: '2c. CPU: fedimg per thread, per GiB',
      seconds: null,
      mbPerSecond: null,
      note: `main thread ${fmt(ratios.main_thread_cpu_s_per_gib)}, busiest thread ${fmt(ratios.busiest_thread_cpu_s_per_gib)} → ceiling ${fmt(ratios.ceiling_mib_s, 0)} MiB/s; a bare Node socket sending the same bytes over loopback: ${fmt(loopback)}`,
    });
    rows.push({
      row: '2d. wall-time floor on these cores',
      seconds: per(wallFloorOf),
      mbPerSecond: null,
      note: `(fedimg + xz + emulator CPU) / ${cores} cores → speedup_vs_old_way can be at most ${fmt(ratios.speedup_ceiling_here)} here`,
    });
    rows.push({
      row: '3. the old way (file, file, S3)',
      seconds: old,
      mbPerSecond: two.rawSize / 1e6 / old,
      note: `download ${fmt(per((r) => r.old.download))} s, xz to a file ${fmt(per((r) => r.old.decompress))} s, S3 upload ${fmt(per((r) => r.old.upload))} s; import wait not counted`,
    });
    rows.push({
      row: '4. ingest, 50 ms per PutSnapshotBlock',
      seconds: slowSeconds,
      mbPerSecond: two.rawSize / 1e6 / slowSeconds,
      note: '64 workers',
    });

    const small = await withEmulator((emulator) => ingest(files, one, emulator));
    const large = await withEmulator((emulator) => ingest(files, four, emulator));
    const action = await withEmulator((emulator) => actionIngest(files, four, emulator.endpoint));
    rows.push({
      row: '5. peak RSS, 1 GiB / 4 GiB image',
      seconds: null,
      mbPerSecond: null,
      note: `CLI ${fmt(small.rssMiB, 0)} MiB / ${fmt(large.rssMiB, 0)} MiB; bundled action (no node flags) 4 GiB ${fmt(action.rssMiB, 0)} MiB in ${fmt(action.seconds)} s`,
    });
    const copySeconds = 30;
    const fan = await withEmulator((emulator) => fanout(files, tiny, emulator, copySeconds));
    rows.push({
      row: `6. copy fan-out, ${fan.regions} regions`,
      seconds: fan.seconds,
      mbPerSecond: null,
      note: `each copy takes L = ${copySeconds} s; wall/L = ${(fan.seconds / copySeconds).toFixed(2)} (serial copies: ${fan.regions})`,
    });
    const demoSeconds = await demo();
    rows.push({
      row: '7. demo pipeline end to end',
      seconds: demoSeconds,
      mbPerSecond: null,
      note: 'npm start: 2 × 256 MiB images, plan → verify, 4 regions (target < 120 s)',
    });

    const xzVersion = execFileSync('xz', ['--version']).toString().split('\n')[0];
    const results = {
      ...ratios,
      rss_mib_1g: small.rssMiB,
      rss_mib_4g: large.rssMiB,
      rss_mib_4g_action: action.rssMiB,
      fanout_ratio: fan.seconds / copySeconds,
      demo_seconds: demoSeconds,
      runs: RUNS,
      per_run: rounds.map((r) => ({
        cpu_overhead: overheadOf(r),
        ingest_vs_limit: r.fast.seconds / r.limit.seconds,
        speedup_vs_old_way: r.old.seconds / r.fast.seconds,
        latency_cost: 1 - r.fast.seconds / r.slow.seconds,
        old_way_seconds: r.old,
        cpu_seconds: {
          fedimg: r.fast.cpu.fedimg,
          fedimg_main_thread: r.fast.cpu.main,
          fedimg_busiest_other_thread: r.fast.cpu.busiestOther,
          xz: r.fast.cpu.xz,
          xz_alone: r.xzFloor.cpu,
          xz_t0_alone: r.limit.cpu,
          emulator: r.fast.cpu.emulator,
        },
      })),
      cpu_seconds: {
        fedimg: fedimgCpu,
        decoder: xzCpu,
        xz_alone: xzAloneCpu,
        sha256_raw: hashing.raw,
        sha256_compressed: hashing.compressed,
        emulator_not_counted: emulatorCpu,
      },
      seconds: {
        limit,
        ingest: ingestSeconds,
        old_way: old,
        ingest_latency_50ms: slowSeconds,
        ingest_1g: small.seconds,
        ingest_4g: large.seconds,
        action_ingest_4g: action.seconds,
        fanout: fan.seconds,
        fanout_copy_seconds: copySeconds,
      },
      image: { raw_bytes: two.rawSize, xz_bytes: two.size, mix: MIX },
      machine: {
        cores,
        cpu: cpus()[0]?.model,
        memory_gib: Math.round(totalmem() / GIB),
        node: process.version,
        decoder: xzVersion,
        emulator: 'separate process on the same machine, a fresh one per measurement, block data not stored',
      },
    };
    writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);

    const width = Math.max(...rows.map((r) => r.row.length));
    console.log(
      `\nfedimg benchmark — ${cores} cores, Node ${process.version}, ${xzVersion}; medians of ${RUNS} runs`,
    );
    console.log(`${'row'.padEnd(width)}  ${'seconds'.padStart(8)}  ${'MB/s'.padStart(7)}  note`);
    for (const r of rows)
      console.log(
        `${r.row.padEnd(width)}  ${fmt(r.seconds).padStart(8)}  ${fmt(r.mbPerSecond, 0).padStart(7)}  ${r.note}`,
      );
    const goal = (name: string, value: number, target: number, atMost = true) =>
      `${name} ${fmt(value)} (goal ${atMost ? '≤' : '≥'} ${target}${(atMost ? value <= target : value >= target) ? '' : ', missed'})`;
    console.log(
      [
        '',
        goal('main_thread_cpu_s_per_gib', ratios.main_thread_cpu_s_per_gib, 1.0),
        goal('fedimg_cpu_s_per_gib', ratios.fedimg_cpu_s_per_gib, 1.8),
        `${goal('speedup_vs_old_way', ratios.speedup_vs_old_way, 2, false)}; at most ${fmt(ratios.speedup_ceiling_here)} on these cores`,
        goal('latency_cost', ratios.latency_cost, 0.15),
        goal('rss_mib_4g', large.rssMiB, 200),
        goal('rss_mib_4g_action', action.rssMiB, 256),
        goal('fanout_ratio', fan.seconds / copySeconds, 1.3),
        goal('demo_seconds', demoSeconds, 120),
        `cpu_overhead ${fmt(ratios.cpu_overhead)}, ceiling_mib_s ${fmt(ratios.ceiling_mib_s, 0)}, ingest_vs_limit ${fmt(ratios.ingest_vs_limit)} (for information)`,
        'written to bench/results.json',
      ].join('\n'),
    );
  } finally {
    await files.close();
  }
}

await main();
