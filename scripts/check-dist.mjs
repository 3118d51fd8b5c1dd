// Fails when the committed dist/ differs from a fresh build of src/ (a build takes seconds; `npm test`
// runs this). With --inputs, only whether dist/ was built from the present inputs
// (scripts/build-inputs.mjs), without building.
import { execFileSync } from 'node:child_process';
import { BUILD_INPUTS_FILE, buildInputsHash } from './build-inputs.mjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

if (process.argv.includes('--inputs')) {
  const recorded = (() => {
    try {
      return readFileSync(join('dist', BUILD_INPUTS_FILE), 'utf8').trim();
    } catch {
      return '';
    }
  })();
  if (recorded !== buildInputsHash()) {
    console.error(
      'dist/ was not built from the present src/, package files and build script. Run `npm run build` and commit dist/.',
    );
    process.exit(1);
  }
  console.log('dist/ was built from the present inputs.');
  process.exit(0);
}

const fresh = mkdtempSync(join(tmpdir(), 'fedimg-dist-'));
try {
  execFileSync(process.execPath, ['scripts/build.mjs', fresh], { stdio: 'inherit' });
  const problems = [];
  const committed = new Map(files('dist').map((path) => [relative('dist', path), path]));
  const built = new Map(files(fresh).map((path) => [relative(fresh, path), path]));
  for (const [name, path] of built) {
    if (!committed.has(name)) problems.push(`dist/${name} is missing`);
    else if (!readFileSync(path).equals(readFileSync(committed.get(name))))
      problems.push(`dist/${name} is stale`);
  }
  for (const name of committed.keys())
    if (!built.has(name)) problems.push(`dist/${name} is not built from src/`);
  if (problems.length > 0) {
    console.error(
      `dist/ does not match src/:\n  ${problems.join('\n  ')}\nRun \`npm run build\` and commit dist/.`,
    );
    process.exit(1);
  }
  console.log(`dist/ matches a fresh build (${built.size} files).`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
