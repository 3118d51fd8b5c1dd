import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { Writable, type Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { openBlockSocket, type BlockSocket } from './block-socket.js';
import { cutIntoBlocks, type FilledBlock } from './blocks.js';

export type DecoderPreference = 'auto' | 'system' | 'npm';
export type DecoderName = 'xz' | 'node-liblzma';

/** Why the decoder stopped: the stream ended too early, or it is not valid xz. */
export type DecodeFailure = 'truncated' | 'corrupt' | 'decoder';

export class DecodeError extends Error {
  constructor(
    readonly failure: DecodeFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface Decoder {
  name: DecoderName;
  /** Where the compressed bytes go (none: the decoder reads the socket it was started with). */
  input: Writable | undefined;
  /** The decompressed bytes in block buffers from the allocator it was started with. */
  blocks: AsyncIterable<FilledBlock>;
  /** Resolves when the decoder finished cleanly; rejects with a DecodeError otherwise. */
  finished: Promise<void>;
  /** Stop decoding now (consumer gone or input failed). */
  abort(): void;
}

let systemXz: boolean | undefined;

export function hasSystemXz(): boolean {
  systemXz ??= spawnSync('xz', ['--version'], { stdio: 'ignore' }).status === 0;
  return systemXz;
}

/**
 * The system xz is the fastest decoder here (multi-threaded on Fedora's multi-block images); the
 * npm decoder keeps fedimg working where no xz binary is installed.
 */
export function pickDecoder(preference: DecoderPreference): DecoderName {
  if (preference === 'npm') return 'node-liblzma';
  if (hasSystemXz()) return 'xz';
  if (preference === 'system') {
    throw new InputError('decoder is "system", but no xz binary was found on PATH.', {
      hint: 'Install xz (xz-utils) or set decoder to auto.',
    });
  }
  return 'node-liblzma';
}

/**
 * Starts a decoder whose output lands in block buffers from `allocate`. The system xz can read its
 * input from a socket another thread writes (`input`); otherwise the caller writes `decoder.input`.
 */
export async function startDecoder(
  name: DecoderName,
  allocate: () => Buffer,
  input?: Socket,
): Promise<Decoder> {
  return name === 'xz' ? startSystemXz(allocate, input) : startNpmDecoder(allocate);
}

function classify(message: string): DecodeFailure {
  if (/unexpected end of input|LZMA_BUF_ERROR|buf_error|truncated/i.test(message)) return 'truncated';
  if (
    /corrupt|format not recognized|unsupported|LZMA_DATA_ERROR|LZMA_FORMAT_ERROR|data_error|format_error|options_error|check/i.test(
      message,
    )
  ) {
    return 'corrupt';
  }
  return 'decoder';
}

async function startSystemXz(allocate: () => Buffer, input: Socket | undefined): Promise<Decoder> {
  // Loopback TCP, else a local stream socket (more wake-ups per GiB), else a pipe read as a stream
  // (more CPU again).
  const socket: BlockSocket | undefined = await openBlockSocket(allocate)
    .catch(() => openBlockSocket(allocate, 'local'))
    .catch(() => undefined);
  // -T0: xz ≥ 5.4 decodes multi-block files (as Fedora's are) on every core.
  const child = spawn('xz', ['-T0', '-dc'], {
    stdio: [input ?? 'pipe', socket?.writeEnd ?? 'pipe', 'pipe'],
  });
  // The child holds its own copies of the sockets now; ours must close so that its exit ends the
  // output stream, and the writer's end of the input is the only one left.
  socket?.writeEnd.destroy();
  input?.destroy();
  const stdin = child.stdin ?? undefined;
  const stderrStream = child.stderr!;
  let stderr = '';
  let aborted = false;
  stderrStream.setEncoding('utf8');
  stderrStream.on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  // xz exiting early closes its stdin; the writer learns of it through `finished`.
  stdin?.on('error', () => undefined);
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new DecodeError('decoder', `could not run xz: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else if (aborted) reject(new DecodeError('decoder', 'xz was stopped'));
      else {
        const message = stderr.trim().replace(/^xz: /gm, '') || `xz exited with ${code ?? signal}`;
        reject(new DecodeError(classify(message), message));
      }
    });
  });
  finished.catch(() => undefined);
  return {
    name: 'xz',
    input: stdin,
    blocks: socket?.blocks ?? cutIntoBlocks(child.stdout!, allocate),
    finished,
    abort() {
      aborted = true;
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

interface LiblzmaModule {
  createUnxz(options?: { chunkSize?: number }): NodeJS.ReadWriteStream & Readable & Writable;
}

function startNpmDecoder(allocate: () => Buffer): Decoder {
  // Loaded only when needed: it is a native module and the system xz is the common case.
  let lzma: LiblzmaModule;
  try {
    lzma = createRequire(import.meta.url)('node-liblzma') as LiblzmaModule;
  } catch (error) {
    // The bundled action carries no native modules: there it relies on the system xz.
    throw new DecodeError(
      'decoder',
      `no xz binary on PATH and the npm decoder (node-liblzma) cannot be loaded here: ${(error as Error).message}. Install xz (xz-utils), or run fedimg from a checkout after npm ci`,
    );
  }
  // 1 MiB output chunks: ~2.4x the throughput of the default (domain measurements).
  const stream = lzma.createUnxz({ chunkSize: 1 << 20 });
  let aborted = false;
  let rejectTruncated: (error: DecodeError) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    rejectTruncated = reject;
    stream.on('error', (error: Error) => {
      const detail = `${error.message} ${(error as { code?: string }).code ?? ''}`;
      reject(
        new DecodeError(
          aborted ? 'decoder' : classify(detail),
          aborted ? 'decoder was stopped' : error.message,
        ),
      );
    });
    stream.on('end', () => resolve());
  });
  finished.catch(() => undefined);

  // liblzma reports a stream cut short as LZMA_BUF_ERROR, which this binding swallows: check that the
  // input ends with an xz stream footer ("YZ" magic, then only 4-byte-aligned zero padding).
  let tail = Buffer.alloc(0);
  const input = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      tail = Buffer.concat([tail, chunk.subarray(-64)]).subarray(-64);
      if (stream.write(chunk)) done();
      else waitForDrain(stream, done);
    },
    final(done) {
      if (endsWithStreamFooter(tail)) {
        stream.end();
      } else {
        rejectTruncated(new DecodeError('truncated', 'the input ends without an xz stream footer'));
        stream.destroy();
      }
      done();
    },
  });
  input.on('error', () => undefined);
  return {
    name: 'node-liblzma',
    input,
    blocks: cutIntoBlocks(stream, allocate),
    finished,
    abort() {
      aborted = true;
      stream.destroy();
      input.destroy();
    },
  };
}

function waitForDrain(stream: NodeJS.WritableStream & Writable, done: (error?: Error) => void): void {
  const onDrain = () => {
    stream.off('close', onClose);
    done();
  };
  const onClose = () => {
    stream.off('drain', onDrain);
    done(new Error('decoder closed'));
  };
  stream.once('drain', onDrain);
  stream.once('close', onClose);
}

function endsWithStreamFooter(tail: Buffer): boolean {
  let end = tail.length;
  while (end >= 4 && tail.readUInt32BE(end - 4) === 0) end -= 4;
  return end >= 2 && tail[end - 2] === 0x59 && tail[end - 1] === 0x5a;
}
