#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1
// A small young generation keeps the upload's peak memory flat (measured: 4 GiB image, 240 → 195
// MiB) at no measurable cost in time; V8 takes the flag only at startup, hence the shebang. 1 MiB,
// not 2, for Node 24: there the feeding thread's spent download buffers were collected later, up
// to 58 MiB of them against 30 (4 GiB image: 230 → 199–202 MiB; Node 20: 181 → 173–175; CPU
// unchanged in three paired 2 GiB ingests on each). glibc gives each thread that allocates an arena
// of its own and keeps what is freed there: with the feeding and sending threads, V8's and libuv's,
// two arenas instead of one per thread took the 1 GiB ingest's peak from 207 to 195-198 MiB, CPU
// unchanged (other C libraries ignore the variable).
// The rest of the CLI is bundled beside this file and loaded from here, as the action's is
// (src/action/entry.ts), so that scripts/build.mjs builds both bundles the same way.
const { cli } = await import('./cli.js');
process.exitCode = await cli(process.argv.slice(2));
