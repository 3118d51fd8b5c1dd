import { describe, expect, it } from 'vitest';
import { parseComposeId, parseComposeLabel } from '../../src/compose/compose-id.js';
import { ComposeError } from '../../src/errors.js';

describe('parseComposeId', () => {
  it.each([
    [
      'Fedora-28-20180425.0',
      { short: 'Fedora', version: '28', date: '20180425', type: 'production', respin: 0 },
    ],
    [
      'Fedora-Rawhide-20180426.n.0',
      { short: 'Fedora', version: 'Rawhide', date: '20180426', type: 'nightly', respin: 0 },
    ],
    ['Fedora-28-20180321.n.0', { short: 'Fedora', version: '28', type: 'nightly' }],
    ['Fedora-Cloud-27-20180317.0', { short: 'Fedora-Cloud', version: '27', type: 'production' }],
    ['Fedora-41-20240911.0', { version: '41', date: '20240911', type: 'production' }],
    ['Fedora-43-20260226.t.3', { version: '43', type: 'test', respin: 3 }],
    ['Fedora-43-20260226.ci.1', { type: 'ci', respin: 1 }],
    ['Fedora-43-20260226.d.0', { type: 'development' }],
    ['Fedora-28-updates-20180425.0', { short: 'Fedora', version: '28', releaseType: 'updates' }],
  ])('parses %s', (id, expected) => {
    expect(parseComposeId(id)).toMatchObject({ id, ...expected });
  });

  it.each([
    '',
    'Fedora',
    'Fedora-28',
    'Fedora-28-2018042.0',
    'Fedora-28-20180425',
    '../../etc-28-20180425.0',
    `Fedora-${'x'.repeat(200)}-28-20180425.0`,
    'Fedora-28-20180425.0; rm -rf /',
  ])('rejects %j with a ComposeError', (id) => {
    expect(() => parseComposeId(id)).toThrow(ComposeError);
  });
});

describe('parseComposeLabel', () => {
  it.each([
    ['Beta-1.2', { name: 'Beta', version: '1.2', prerelease: true }],
    ['RC-1.4', { name: 'RC', version: '1.4', prerelease: false }],
    ['RC-20180317.0', { name: 'RC', version: '20180317.0', prerelease: false }],
    ['Alpha-1.1', { prerelease: true }],
    ['Update-1.0', { prerelease: false }],
  ])('parses %s', (label, expected) => {
    expect(parseComposeLabel(label)).toMatchObject(expected);
  });

  it('rejects a label with spaces or shell characters', () => {
    expect(() => parseComposeLabel('RC-1.4 $(id)')).toThrow(ComposeError);
  });
});
