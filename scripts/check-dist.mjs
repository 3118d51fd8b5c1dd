// Fails when the committed dist/ differs from a fresh build of src/, or when a bundle carries
// webpackMissingModule stubs (ncc builds ESM-only packages that way without "type": "module").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
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
    if (name.endsWith('.js') && readFileSync(path, 'utf8').includes('webpackMissingModule')) {
      problems.push(`dist/${name} contains webpackMissingModule stubs`);
    }
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
