import type { Log } from '../log.js';

const MB = 1e6;

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
}

/**
 * Progress of a long transfer in the log: a line at least every `step` (5%) of the total, with
 * throughput, blocks done and ETA, so a stalled upload is visible long before any timeout.
 */
export class Progress {
  private readonly started = Date.now();
  private nextReport: number;

  constructor(
    private readonly log: Log,
    private readonly label: string,
    private readonly totalBlocks: number,
    private readonly blockSize: number,
    private readonly step = 0.05,
  ) {
    this.nextReport = step;
  }

  update(doneBlocks: number): void {
    if (this.totalBlocks <= 0) return;
    const fraction = doneBlocks / this.totalBlocks;
    if (fraction < this.nextReport && doneBlocks < this.totalBlocks) return;
    while (this.nextReport <= fraction) this.nextReport += this.step;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = (doneBlocks * this.blockSize) / Math.max(seconds, 0.001);
    const eta = ((this.totalBlocks - doneBlocks) * this.blockSize) / Math.max(rate, 1);
    this.log.info(
      `${this.label}: ${Math.floor(fraction * 100)}% (${doneBlocks}/${this.totalBlocks} blocks) ${(rate / MB).toFixed(0)} MB/s, ETA ${formatSeconds(eta)}`,
    );
  }

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }
}
