import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reference, REFERENCE_FILE } from '../../scripts/readme-reference.mjs';

describe('README.md', () => {
  it('links a reference that documents every input and output exactly as action.yml declares them (npm run readme)', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('(docs/reference.md)');
    expect(readFileSync(REFERENCE_FILE, 'utf8')).toContain(reference(readFileSync('action.yml', 'utf8')));
  });

  it('is short enough to read in ten minutes, and every file it links exists', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
    for (const [, target] of readme.matchAll(
      /\]\(((?:docs\/|emulator\/|CONTRIBUTING|CHANGELOG|LICENSE)[^)#]*)/g,
    ))
      expect(existsSync(target!), target).toBe(true);
  });

  it('names the two commands a fresh clone needs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
