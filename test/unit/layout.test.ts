/**
 * The layout a newcomer relies on: settings import no stage, nothing imports in a circle (type-only
 * imports included), and each folder keeps to its job.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** file → the files it imports or re-exports from (relative imports, `import type` included). */
function importGraph(root = 'src'): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map(
      ([, target]) => relative('.', resolve(dirname(file), target!.replace(/\.js$/, '.ts'))),
    );
    graph.set(file, targets);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      found.add([...path.slice(path.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  return [...found];
}

describe('the source layout', () => {
  const graph = importGraph();

  it('reads every import (the check itself works)', () => {
    expect(graph.get('src/action/main.ts')).toContain('src/settings/index.ts');
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toEqual(['a → b → a']);
  });

  it('has no import cycle anywhere in src, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps settings free of stages', () => {
    for (const [file, targets] of graph)
      if (file.startsWith('src/settings/'))
        expect(
          targets.filter((target) => target.startsWith('src/stages/')),
          file,
        ).toEqual([]);
  });

  it('keeps the AWS SDK behind src/aws and src/upload: no stage sends an AWS request itself', () => {
    for (const file of sources('src/stages'))
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/from '@aws-sdk\//);
  });

  it('keeps the front ends apart: only src/action imports src/action, only src/cli imports src/cli', () => {
    for (const [file, targets] of graph)
      for (const front of ['src/action/', 'src/cli/'])
        if (!file.startsWith(front))
          expect(
            targets.filter((target) => target.startsWith(front)),
            file,
          ).toEqual([]);
  });

  it('keeps the network code on its own: src/net imports only itself, src/util and errors.ts', () => {
    for (const [file, targets] of graph)
      if (file.startsWith('src/net/'))
        expect(
          targets.filter(
            (target) =>
              !target.startsWith('src/net/') && !target.startsWith('src/util/') && target !== 'src/errors.ts',
          ),
          file,
        ).toEqual([]);
  });

  it('names every fedimg tag key once, in the TAG table', () => {
    for (const file of sources())
      if (file !== 'src/aws/tags.ts')
        expect(readFileSync(file, 'utf8'), file).not.toMatch(/['"`]fedimg:[a-z]/);
  });

  it('keeps every source file short enough to read in one sitting (350 lines)', () => {
    const long = [...sources(), ...sources('emulator')]
      .map((file) => [file, readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 350);
    expect(long).toEqual([]);
  });
});

describe('the emulator, a product of its own', () => {
  const graph = importGraph('emulator');

  it('has no import cycle, type-only imports included', () => {
    expect(graph.get('emulator/server.ts')).toContain('emulator/state.ts');
    expect(cycles(graph)).toEqual([]);
  });

  it('imports nothing from fedimg: it checks fedimg against AWS’s documents, not against fedimg', () => {
    for (const [file, targets] of graph)
      expect(
        targets.filter((target) => !target.startsWith('emulator/')),
        file,
      ).toEqual([]);
  });
});
