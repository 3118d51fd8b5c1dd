import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** Passes the chunks on and writes them to `path` as well, waiting for the disk when it lags. */
export async function* keepingCopy(chunks: AsyncGenerator<Buffer>, path: string): AsyncGenerator<Buffer> {
  const file = createWriteStream(path);
  try {
    for await (const chunk of chunks) {
      if (!file.write(chunk)) await once(file, 'drain');
      yield chunk;
    }
    file.end();
    await finished(file);
  } finally {
    file.destroy();
  }
}
