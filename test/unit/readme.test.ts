import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reference } from '../../scripts/readme-reference.mjs';

describe('README.md', () => {
  it('documents every input and output exactly as action.yml declares them (npm run readme)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(reference(readFileSync('action.yml', 'utf8')));
  });

  it('names the two commands a fresh clone needs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
