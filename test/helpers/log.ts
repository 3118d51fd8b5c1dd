import { terminalLog, type Log } from '../../src/log.js';

/** A terminal log whose lines (trailing newline removed) a test can read back; debug lines when verbose. */
export function capturedLog({ verbose = false } = {}): { lines: string[]; log: Log } {
  const lines: string[] = [];
  const log = terminalLog({
    stream: { write: (text: string) => lines.push(text.trimEnd()) > 0 } as unknown as NodeJS.WritableStream,
    verbose,
  });
  return { lines, log };
}
