// Bundles the action and the CLI with esbuild, and beside each the modules of fedimg's own threads
// (the image feeder and the PutSnapshotBlock senders), which a bundle starts from its own directory
// (src/util/threads.ts). `node scripts/build.mjs [outDir]` (default dist/).
//
// Why esbuild and not ncc: every step of the action and every CLI run starts by loading the bundle,
// and most of a step's CPU was that load. esbuild takes the AWS SDK's ES module builds ("module"),
// keeping only the commands fedimg sends and the shapes they reach; ncc (webpack) took their
// CommonJS builds whole. `fedimg --help` went from 0.82 to 0.42 CPU s, and to 0.32 once the start
// stopped loading what no step uses (without-oidc-client below; docs/benchmarks.md).
import { chmodSync, copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as esbuild from 'esbuild';
import { BUILD_INPUTS_FILE, buildInputsHash } from './build-inputs.mjs';

const out = process.argv[2] ?? 'dist';
// Each bundle's index.js is its entry alone; it loads the rest (main.js, cli.js) only when there is
// work: a post step with nothing to remove reads one small file (src/action/post-triage.ts).
const bundles = [
  ['src/action/entry.ts', 'src/action/main.ts', 'action'],
  ['src/cli/entry.ts', 'src/cli/cli.ts', 'cli'],
];
const threads = [
  ['src/aws/snapshot-block-worker.ts', 'snapshot-block-worker'],
  ['src/image/feeder-thread.ts', 'feeder-thread'],
];

// The bundles are ES modules; the CommonJS packages in them still call require() (for Node's own
// modules) and some read __dirname, which an ES module does not have. The banner's names for the
// latter are fedimg's own, and `define` points the packages' free references at them: a package
// that declares its own __filename at top level (@azure/storage-common does, in the cache chunk)
// would otherwise collide with the banner's, and that chunk would not compile.
const banner = [
  "import { createRequire as __fedimgCreateRequire } from 'node:module';",
  "import { fileURLToPath as __fedimgFileURLToPath } from 'node:url';",
  "import { dirname as __fedimgDirnameOf } from 'node:path';",
  'const require = __fedimgCreateRequire(import.meta.url);',
  'const __fedimgFilename = __fedimgFileURLToPath(import.meta.url);',
  'const __fedimgDirname = __fedimgDirnameOf(__fedimgFilename);',
].join('\n');

/**
 * Lets esbuild drop the SDK shapes no command in the bundle uses. A client's schemas module declares
 * every shape of its service (EC2: 2,176, 1 MB, about 0.2 CPU s to load) as an array whose entries
 * carry keys computed from the module's own string constants (`{ [_xN]: _IIm }`, _xN being
 * "xmlName"). esbuild cannot tell such a key has no side effects, so it keeps every shape; with the
 * constant's value written in its place (`{ ["xmlName"]: _IIm }`, the same object) it keeps only the
 * shapes the commands fedimg sends reach. Only keys naming a `const _x = "…";` of the same module
 * are rewritten: if the SDK's layout changes, nothing is rewritten and the bundle is only larger
 * (test/dist/action.test.ts says so).
 */
const sdkShapesShakeable = {
  name: 'sdk-shapes-shakeable',
  setup: (build) =>
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async (args) => {
        const text = await readFile(args.path, 'utf8');
        const constants = new Map(
          [...text.matchAll(/^const (_\w+) = ("[^"\\]*");$/gm)].map(([, name, value]) => [name, value]),
        );
        const contents = text.replace(/\[(_\w+)\]:/g, (key, name) =>
          constants.has(name) ? `[${constants.get(name)}]:` : key,
        );
        return { contents, loader: 'js' };
      },
    ),
};

/**
 * Keeps undici (800 KB) out of what every step loads. @actions/core imports its OIDC client, and
 * through it @actions/http-client and undici; esbuild's code splitting is by file, so a chunk holding
 * core holds them too, although only getIDToken, which fedimg never calls, reaches them. Here core's
 * OIDC module is one that says so if it is ever called; the chunks loaded for the image cache and
 * for releases bundle the real http-client (and undici) as they need them.
 */
const withoutOidcClient = {
  name: 'without-oidc-client',
  setup: (build) => {
    build.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      /[\\/]@actions[\\/]core[\\/]lib[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'without-oidc-client' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'without-oidc-client' }, () => ({
      contents:
        'export class OidcClient { static async getIDToken() { ' +
        "throw new Error('fedimg is built without @actions/core’s OIDC client (scripts/build.mjs)'); } }",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  // Loaded at run time from a checkout only (src/image/decompress.ts): never bundled.
  external: ['node-liblzma'],
  // Error classes are told apart by name in messages; no renaming when two modules share one.
  keepNames: true,
  banner: { js: banner },
  define: { __filename: '__fedimgFilename', __dirname: '__fedimgDirname' },
  legalComments: 'none',
  metafile: true,
  plugins: [sdkShapesShakeable, withoutOidcClient],
  logLevel: 'warning',
};

/** Leaves `path` to be imported when the bundle runs: the entry's own import of the rest. */
const importedAtRunTime = (path) => ({
  name: 'imported-at-run-time',
  setup: (build) =>
    build.onResolve({ filter: /^\.\/[a-z]+\.js$/ }, (args) =>
      args.path === path ? { path, external: true } : undefined,
    ),
});

/** The packages a build holds (from its metafile), by name and directory. */
function packagesOf(metafile) {
  const found = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    if (at === -1) continue;
    const rest = input.slice(at + 'node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    found.set(name, join(input.slice(0, at), 'node_modules', name));
  }
  return found;
}

/** One package in licenses.txt: its name, its SPDX licence and its licence file, as ncc wrote them. */
function licenceText(name, dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir)
    .sort()
    .find((entry) => /^(licen[cs]e|copying)/i.test(entry));
  const licence = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? '');
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : '';
  return `${name}\n${licence}\n${text}\n`;
}

rmSync(out, { recursive: true, force: true });
const threadBuilds = await Promise.all(
  threads.map(([entry, name]) =>
    esbuild.build({ ...common, entryPoints: [entry], outfile: join(out, '.threads', `${name}.js`) }),
  ),
);
await Promise.all(
  bundles.map(async ([entry, rest, name]) => {
    const dir = join(out, name);
    const restName = basename(rest, '.ts');
    const loader = await esbuild.build({
      ...common,
      entryPoints: { index: entry },
      outdir: dir,
      plugins: [sdkShapesShakeable, withoutOidcClient, importedAtRunTime(`./${restName}.js`)],
    });
    const built = await esbuild.build({
      ...common,
      entryPoints: { [restName]: rest },
      outdir: dir,
      splitting: true,
      chunkNames: '[name]-[hash]',
    });
    for (const [, thread] of threads)
      copyFileSync(join(out, '.threads', `${thread}.js`), join(dir, `${thread}.js`));
    const packages = new Map([
      ...packagesOf(loader.metafile),
      ...packagesOf(built.metafile),
      ...threadBuilds.flatMap((thread) => [...packagesOf(thread.metafile)]),
    ]);
    const licences = [...packages].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    writeFileSync(join(dir, 'licenses.txt'), licences.map(([pkg, at]) => licenceText(pkg, at)).join('\n'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  }),
);
rmSync(join(out, '.threads'), { recursive: true });
chmodSync(join(out, 'cli', 'index.js'), 0o755);
writeFileSync(join(out, BUILD_INPUTS_FILE), `${buildInputsHash()}\n`);
