import { describe, expect, it } from 'vitest';
import { OLDEST_SUPPORTED_NODE_MAJOR, unsupportedNodeNotice } from '../../src/node-support.js';

describe('the supported Node range', () => {
  it('names a Node below the range, and what to do, in one line', () => {
    const notice = unsupportedNodeNotice('v20.20.2');
    expect(notice).toContain('Node v20.20.2');
    expect(notice).toContain(`Node ${OLDEST_SUPPORTED_NODE_MAJOR} or newer`);
    expect(notice).toContain('upgrade Node');
    expect(notice).not.toContain('\n');
  });

  it('says nothing on a Node in the range', () => {
    for (const version of ['v22.0.0', 'v22.19.0', 'v24.11.1', 'v26.0.0']) {
      expect(unsupportedNodeNotice(version), version).toBeUndefined();
    }
  });

  it('is the range package.json declares for the CLI', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(pkg.engines.node).toBe(`>=${OLDEST_SUPPORTED_NODE_MAJOR}`);
  });
});
