import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootModeFor, flavoursFromInputs, parseFlavourConfig } from '../../src/settings/index.js';
import { InputError } from '../../src/errors.js';

describe('flavour configuration', () => {
  it('fills Fedora defaults: gp3, ENA, SR-IOV, IMDSv2, /dev/sda1, boot mode by architecture', () => {
    const { flavours } = parseFlavourConfig('flavours:\n  - name: gp3\n', 'x.yaml');
    expect(flavours[0]).toMatchObject({
      volumeType: 'gp3',
      ena: true,
      sriovNetSupport: true,
      imdsV2: true,
      tpm: false,
      rootDeviceName: '/dev/sda1',
      volumeSize: undefined,
    });
    expect(bootModeFor(flavours[0]!, 'x86_64')).toBe('uefi-preferred');
    expect(bootModeFor(flavours[0]!, 'arm64')).toBe('uefi');
  });

  it('takes the config file docs/stages.md shows, as it shows it', () => {
    const doc = readFileSync('docs/stages.md', 'utf8');
    const example = /```yaml\n(name-template[\s\S]*?)```/.exec(doc)?.[1];
    expect(example, 'docs/stages.md has its config-file example').toBeDefined();
    const config = parseFlavourConfig(example!, 'docs/stages.md');
    expect(config.flavours.map((flavour) => flavour.name)).toEqual(['gp3', 'io2-tpm', 'encrypted']);
    expect(config.flavours[1]).toMatchObject({ volumeType: 'io2', iops: 3000, bootMode: 'uefi', tpm: true });
    expect(config.flavours[2]!.kmsKeyId).toBe('alias/fedimg');
  });

  it('reads JSON as well, with encrypted flavours and a name template', () => {
    const config = parseFlavourConfig(
      JSON.stringify({
        flavours: [{ name: 'gp3' }, { name: 'enc', encrypted: { 'kms-key-id': 'alias/fedimg' } }],
        'name-template': 'classic',
      }),
      'x.json',
    );
    expect(config.flavours[1]!.kmsKeyId).toBe('alias/fedimg');
    expect(config.nameTemplate).toBe('classic');
  });

  it.each([
    ['unknown keys', 'flavours:\n  - name: gp3\n    volumetype: gp2\n', /volumetype/],
    ['a paravirtual flavour', 'flavours:\n  - name: pv\n    virtualization: paravirtual\n', /AWS retired it/],
    [
      'an instance-store flavour',
      'flavours:\n  - name: is\n    storage: instance-store\n',
      /instance-store flavours are refused/,
    ],
    ['TPM with legacy BIOS', 'flavours:\n  - name: t\n    tpm: true\n    boot-mode: legacy-bios\n', /TPM/],
    ['a volume type AWS does not have', 'flavours:\n  - name: x\n    volume-type: sc1\n', /volume-type/],
    ['two flavours of one name', 'flavours:\n  - name: a\n  - name: a\n', /twice/],
    ['no flavours', 'flavours: []\n', /flavours/],
    ['broken YAML', 'flavours: [\n', /not valid YAML/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseFlavourConfig(text, 'x.yaml')).toThrow(InputError);
    expect(() => parseFlavourConfig(text, 'x.yaml')).toThrow(message);
  });

  it('builds flavours from the simple inputs, adding an encrypted one for a KMS key', () => {
    const flavours = flavoursFromInputs(['gp3', 'gp2'], {
      imdsV2: true,
      tpm: false,
      bootMode: undefined,
      kmsKeyId: 'alias/k',
    });
    expect(flavours.map((flavour) => [flavour.name, flavour.volumeType, flavour.kmsKeyId])).toEqual([
      ['gp3', 'gp3', undefined],
      ['gp2', 'gp2', undefined],
      ['gp3-encrypted', 'gp3', 'alias/k'],
    ]);
    expect(() =>
      flavoursFromInputs(['st1'], { imdsV2: true, tpm: false, bootMode: undefined, kmsKeyId: undefined }),
    ).toThrow(/not supported/);
  });
});
