#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation keeps the upload's peak memory flat (measured: 4 GiB image, 240 → 195
// MiB) at no measurable cost in time; V8 takes the flag only at startup, hence the shebang.
import { cli } from './cli.js';

process.exitCode = await cli(process.argv.slice(2));
