import { afterAll, beforeAll, expect } from 'vitest';

// Test files share worker processes (isolate: false), so a variable one file leaves behind is read
// by whichever file runs next in that worker: a test that passes or fails by the order of files.
// Every file must leave process.env as it found it, and the same object: Vitest's stubEnv writes
// through the live process.env but deletes from the one it captured, so a file that replaces
// process.env makes later unstubs leave their values behind.

/** Set by fedimg itself, once per process, by design (src/node-support.ts). */
const SET_BY_FEDIMG = new Set(['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']);

let before: { object: NodeJS.ProcessEnv; values: Record<string, string | undefined> };

beforeAll(() => {
  before = { object: process.env, values: { ...process.env } };
});

afterAll(() => {
  expect(process.env === before.object, 'process.env is still the object the file started with').toBe(true);
  const names = new Set([...Object.keys(before.values), ...Object.keys(process.env)]);
  const changed = [...names]
    .filter((name) => !SET_BY_FEDIMG.has(name) && process.env[name] !== before.values[name])
    .map((name) => `${name}: ${before.values[name] ?? '(unset)'} → ${process.env[name] ?? '(unset)'}`);
  expect(changed, 'environment variables this file left changed').toEqual([]);
});
