// The sha256 of everything a build of dist/ depends on: src/, the lock file and manifest, the
// TypeScript configuration and the build script. `npm run build` records it in
// dist/build-inputs.sha256; `npm run check:dist:inputs` compares, which tells in a second whether
// dist/ was rebuilt after the last change (the full rebuild and byte comparison is check:dist).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

export const BUILD_INPUTS_FILE = 'build-inputs.sha256';

export function buildInputsHash() {
  const hash = createHash('sha256');
  for (const path of [
    ...files('src'),
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'scripts/build.mjs',
  ]) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(path));
    hash.update('\0');
  }
  return hash.digest('hex');
}
