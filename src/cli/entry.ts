#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// A small young generation keeps the upload's peak memory flat (measured: 4 GiB image, 240 → 195
// MiB) at no measurable cost in time; V8 takes the flag only at startup, hence the shebang. glibc
// gives each thread that allocates an arena of its own and keeps what is freed there: with the
// feeding and sending threads, V8's and libuv's, two arenas instead of one per thread took the 1 GiB
// ingest's peak from 207 to 195-198 MiB, CPU unchanged (other C libraries ignore the variable).
// The CLI is a chunk of its own, as the action is (src/action/entry.ts): the bundler then lists the
// licences of every package it holds in licenses.txt, which it does only for chunks.
const { cli } = await import('./cli.js');
process.exitCode = await cli(process.argv.slice(2));
