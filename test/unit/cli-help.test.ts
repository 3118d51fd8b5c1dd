import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { optionSpec } from '../../src/cli/cli.js';
import { usage, WRITTEN_ONLY_WHEN_GIVEN } from '../../src/cli/help.js';

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string | boolean | number }>;
};
// `stage` is the CLI's first word, not an option.
const inputs = Object.entries(action.inputs).filter(([name]) => name !== 'stage');

describe('the CLI takes the action’s inputs', () => {
  const help = usage().split('\n');
  const options = optionSpec();

  it.each(inputs)('--%s is an option, listed in --help with the action’s default', (name, input) => {
    expect(options[name], name).toBeDefined();
    const line = help.find((text) => new RegExp(`^\\s*--${name}(?:[ ,]|$)`).test(text));
    expect(line, `--help lists --${name}`).toBeDefined();
    const fallback = String(input.default ?? '');
    // A default the runner computes (an expression) has the CLI's own equivalent, which the help names.
    if (fallback.startsWith('${{')) expect(line).toMatch(/\(default: .+ in the CLI\)/);
    else if (WRITTEN_ONLY_WHEN_GIVEN.includes(name as never))
      expect(line).toContain(`(default in the action: ${fallback}; the CLI writes it only when given)`);
    else if (fallback !== '') expect(line).toContain(`(default ${fallback})`);
  });

  it('says in one line what each stage does', () => {
    expect(help).toContainEqual(
      expect.stringMatching(
        /^\s*cleanup\s+the lifecycle sweep: expired nightlies, orphans, leftover instances \(fedimg's own only\)$/,
      ),
    );
    expect(help).toContainEqual(
      expect.stringMatching(
        /^\s*publish\s+make the AMIs public \(or share them\) and set their deprecation$/,
      ),
    );
  });

  it('keeps the short aliases people type', () => {
    expect(options.compose).toEqual({ type: 'string' });
    expect(options.payload).toEqual({ type: 'string' });
    expect(usage()).toContain('--compose-location, --compose <url>');
  });

  it('takes a bare flag for an input without a value and a value for every other', () => {
    expect(options['allow-http']!.type).toBe('boolean');
    expect(options['compose-location']!.type).toBe('string');
    expect(options.public!.type).toBe('string');
  });
});
