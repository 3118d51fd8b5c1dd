import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseComposeInfo, parseImagesJson } from '../../src/compose/productmd.js';
import { selectImages } from '../../src/compose/select.js';
import { ComposeError } from '../../src/errors.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const defaults = { subvariants: ['Cloud_Base'], architectures: ['x86_64', 'aarch64'] };

describe('images.json', () => {
  it('selects exactly the two Cloud_Base raw.xz images of the Fedora 28 compose', () => {
    const manifest = parseImagesJson(fixture('Fedora-28-20180425.0.images.json'));
    expect(manifest.version).toBe('1.2');
    expect(manifest.compose).toMatchObject({ id: 'Fedora-28-20180425.0', type: 'production', respin: 0 });
    // The compose holds 20 raw.xz files: AtomicHost, Server, Spins, Workstation, Labs, ppc64...
    expect(manifest.images.filter((image) => image.path.endsWith('.raw.xz')).length).toBeGreaterThan(15);
    const selected = selectImages(manifest.images, defaults);
    expect(selected.map((image) => image.path).sort()).toEqual([
      'Cloud/aarch64/images/Fedora-Cloud-Base-28-1.1.aarch64.raw.xz',
      'Cloud/x86_64/images/Fedora-Cloud-Base-28-1.1.x86_64.raw.xz',
    ]);
    const x86 = selected.find((image) => image.arch === 'x86_64')!;
    expect(x86).toMatchObject({
      variant: 'Cloud',
      subvariant: 'Cloud_Base',
      size: 167017948,
      type: 'raw-xz',
    });
    expect(x86.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('honours a configured subvariant list and architecture list', () => {
    const manifest = parseImagesJson(fixture('Fedora-28-20180425.0.images.json'));
    const atomic = selectImages(manifest.images, { subvariants: ['AtomicHost'], architectures: ['x86_64'] });
    expect(atomic.map((image) => image.path)).toEqual([
      'AtomicHost/x86_64/images/Fedora-AtomicHost-28-1.1.x86_64.raw.xz',
    ]);
    const both = selectImages(manifest.images, {
      subvariants: ['Cloud_Base', 'AtomicHost'],
      architectures: ['aarch64'],
    });
    expect(both).toHaveLength(2);
  });

  it('reads productmd 1.1 (productmd test data for Fedora 23)', () => {
    const manifest = parseImagesJson(fixture('productmd-test-f23.images.json'));
    expect(manifest.version).toBe('1.1');
    expect(manifest.compose.id).toBe('Fedora-23-20151030.0');
    expect(manifest.images.length).toBeGreaterThan(0);
    expect(selectImages(manifest.images, defaults)).toEqual([]);
  });

  it('reads productmd 1.0, which has no subvariant, by inferring it from the file name', () => {
    const doc = JSON.parse(fixture('Fedora-28-20180425.0.images.json'));
    doc.header = { version: '1.0' };
    for (const arches of Object.values<Record<string, Array<Record<string, unknown>>>>(doc.payload.images)) {
      for (const entries of Object.values(arches)) for (const entry of entries) delete entry.subvariant;
    }
    const manifest = parseImagesJson(JSON.stringify(doc));
    expect(manifest.version).toBe('1.0');
    expect(
      selectImages(manifest.images, defaults)
        .map((image) => image.arch)
        .sort(),
    ).toEqual(['aarch64', 'x86_64']);
  });

  it.each([
    ['not JSON', '{"header":', /not valid JSON/],
    [
      'an unknown productmd version',
      JSON.stringify({ header: { type: 'productmd.images', version: '2.0' }, payload: {} }),
      /version 2.0/,
    ],
    [
      'another document type',
      JSON.stringify({ header: { type: 'productmd.rpms', version: '1.2' }, payload: {} }),
      /productmd.rpms/,
    ],
    [
      'a bad checksum',
      fixture('Fedora-28-20180425.0.images.json').replace(/"sha256": "[0-9a-f]{64}"/, '"sha256": "nope"'),
      /sha256/,
    ],
    [
      'a missing payload',
      JSON.stringify({ header: { type: 'productmd.images', version: '1.2' } }),
      /payload/,
    ],
  ])('rejects %s with a ComposeError', (_what, text, message) => {
    expect(() => parseImagesJson(text)).toThrow(ComposeError);
    expect(() => parseImagesJson(text)).toThrow(message);
  });
});

describe('composeinfo.json', () => {
  it('reads the release and the label of the Fedora 28 compose', () => {
    const info = parseComposeInfo(fixture('Fedora-28-20180425.0.composeinfo.json'));
    expect(info.compose).toMatchObject({ id: 'Fedora-28-20180425.0', label: 'RC-1.1' });
    expect(info.release).toMatchObject({ short: 'Fedora', version: '28', name: 'Fedora' });
  });
});
