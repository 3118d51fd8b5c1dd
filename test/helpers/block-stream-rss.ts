// Streams a generated image through the ImageSource in this process and prints peak RSS as JSON.
// Run in its own process so the figure is the block stream's, not the test runner's.
// Usage: tsx test/helpers/block-stream-rss.ts <image.raw.xz> <sha256> <size> <decoder>
import { createHash } from 'node:crypto';
import { dirname, basename } from 'node:path';
import { ImageSource } from '../../src/image/source.js';
import { startFileServer } from '../fixtures/file-server.js';

const [path, sha256, size, decoder] = process.argv.slice(2) as [string, string, string, 'system' | 'npm'];
const server = await startFileServer(dirname(path));
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const source = new ImageSource({
  url: `${server.url}${basename(path)}`,
  sha256,
  size: Number(size),
  policy: { allowedHosts: [server.host], allowHttp: true },
  decoder,
});
const hash = createHash('sha256');
const started = Date.now();
for await (const block of source.blocks()) hash.update(block.data);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await server.close();
process.stdout.write(
  `${JSON.stringify({ peakRssMiB: peak / 2 ** 20, rawBytes: source.stats.rawBytes, blocks: source.stats.blocks, seconds: (Date.now() - started) / 1000, decoder: source.stats.decoder, paddedSha256: hash.digest('hex') })}\n`,
);
