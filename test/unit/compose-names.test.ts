/**
 * Compose shapes Fedora has produced → the AMI names Fedora gave them (shared reference:
 * fedora-conventions.md), through the same parsing the plan uses: compose ID, label, composeinfo's
 * release version and the image file name, in both file-name layouts.
 */
import { describe, expect, it } from 'vitest';
import { amiName, DEFAULT_NAME_TEMPLATE } from '../../src/aws/naming.js';
import { parseComposeId } from '../../src/compose/compose-id.js';
import { parseImageFileName } from '../../src/compose/image-file.js';
import { plannedImage } from '../../src/compose/planned-image.js';
import { InputError } from '../../src/errors.js';
import { plannedNames } from '../../src/stages/images.js';
import { fastSettings } from '../helpers/settings.js';

const policy = { allowedHosts: ['kojipkgs.fedoraproject.org'], allowHttp: false };

interface Shape {
  shape: string;
  composeId: string;
  /** composeinfo.json's release version. */
  release: string;
  label: string;
  file: string;
  ami: string;
}

const SHAPES: Shape[] = [
  {
    shape: 'GA (RC label)',
    composeId: 'Fedora-41-20241020.0',
    release: '41',
    label: 'RC-1.4',
    file: 'Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
  },
  {
    shape: 'GA aarch64',
    composeId: 'Fedora-42-20250410.0',
    release: '42',
    label: 'RC-1.1',
    file: 'Fedora-Cloud-Base-AmazonEC2-42-1.1.aarch64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.aarch64-42-1.1',
  },
  {
    shape: 'Beta (Prerelease)',
    composeId: 'Fedora-41-20240911.0',
    release: '41',
    label: 'Beta-1.2',
    file: 'Fedora-Cloud-Base-AmazonEC2-41_Beta-1.2.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-Prerelease-1.2',
  },
  {
    shape: 'Rawhide nightly',
    composeId: 'Fedora-Rawhide-20250820.n.0',
    release: 'Rawhide',
    label: '',
    file: 'Fedora-Cloud-Base-AmazonEC2-Rawhide-20250820.n.0.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20250820.0',
  },
  {
    shape: 'branched nightly',
    composeId: 'Fedora-43-20250820.n.0',
    release: '43',
    label: '',
    file: 'Fedora-Cloud-Base-AmazonEC2-43-20250820.n.0.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-Prerelease-20250820.0',
  },
  {
    shape: 'Fedora-Cloud dated compose',
    composeId: 'Fedora-Cloud-43-20260226.0',
    release: '43',
    label: '',
    file: 'Fedora-Cloud-Base-AmazonEC2-43-20260226.0.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-20260226.0',
  },
  {
    shape: 'Fedora-Cloud dated compose, F40-era file name',
    composeId: 'Fedora-Cloud-40-20250505.0',
    release: '40',
    label: '',
    file: 'Fedora-Cloud-Base-AmazonEC2.x86_64-40-20250505.0.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-40-20250505.0',
  },
  {
    shape: 'ELN',
    composeId: 'Fedora-eln-20250820.n.0',
    release: 'eln',
    label: '',
    file: 'Fedora-Cloud-Base-AmazonEC2-ELN-20250820.n.0.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-ELN-20250820.0',
  },
  {
    shape: 'F40 GA (arch infix)',
    composeId: 'Fedora-40-20240414.0',
    release: '40',
    label: 'RC-1.14',
    file: 'Fedora-Cloud-Base-AmazonEC2.x86_64-40-1.14.raw.xz',
    ami: 'Fedora-Cloud-Base-AmazonEC2.x86_64-40-1.14',
  },
  {
    shape: 'F28 (arch suffix, no AmazonEC2 in the name)',
    composeId: 'Fedora-28-20180425.0',
    release: '28',
    label: 'RC-1.1',
    file: 'Fedora-Cloud-Base-28-1.1.x86_64.raw.xz',
    ami: 'Fedora-Cloud-Base.x86_64-28-1.1',
  },
];

describe('compose shapes → AMI names', () => {
  it.each(SHAPES)('$shape: $composeId → $ami', ({ composeId, release, label, file, ami }) => {
    const compose = parseComposeId(composeId);
    const arch = parseImageFileName(file)!.arch;
    const image = plannedImage(
      new URL(`https://kojipkgs.fedoraproject.org/compose/${composeId}/compose/Cloud/${arch}/images/${file}`),
      arch,
      1,
      '0'.repeat(64),
      compose,
      { release, label, subvariant: 'Cloud_Base', variant: 'Cloud' },
      policy,
    );
    const name = amiName(DEFAULT_NAME_TEMPLATE, {
      image,
      flavour: { name: 'gp3', volumeType: 'gp3' },
      isDefaultFlavour: true,
      region: 'us-east-1',
    });
    expect(name).toBe(ami);
  });

  it('reads every productmd compose ID form', () => {
    expect(parseComposeId('Fedora-eln-20260701.n.0')).toMatchObject({
      short: 'Fedora',
      version: 'eln',
      type: 'nightly',
    });
    expect(parseComposeId('Fedora-Cloud-Rawhide-20260701.n.2')).toMatchObject({
      short: 'Fedora-Cloud',
      version: 'Rawhide',
      respin: 2,
    });
    expect(parseComposeId('Fedora-41-updates-20260101.0')).toMatchObject({
      version: '41',
      releaseType: 'updates',
    });
    expect(parseComposeId('Fedora-41-updates-testing-20260101.t.1')).toMatchObject({
      releaseType: 'updates-testing',
      type: 'test',
    });
    expect(parseComposeId('RHEL-8.10-20240101.ci.3')).toMatchObject({
      short: 'RHEL',
      version: '8.10',
      type: 'ci',
    });
  });
});

describe('the plan matrix entry’s ami_name', () => {
  const shape = SHAPES[0]!;
  const entry = (ami_name: string) => ({
    ...plannedImage(
      new URL(`https://kojipkgs.fedoraproject.org/compose/x/compose/Cloud/x86_64/images/${shape.file}`),
      'x86_64',
      1,
      '0'.repeat(64),
      parseComposeId(shape.composeId),
      { release: shape.release, label: shape.label, subvariant: 'Cloud_Base', variant: 'Cloud' },
      policy,
    ),
    ami_name,
  });
  const plan = (image: ReturnType<typeof entry>) => ({
    source: 'image-url' as const,
    composeId: shape.composeId,
    status: 'FINISHED' as const,
    skipped: false,
    reason: undefined,
    location: undefined,
    images: [image],
    notes: [],
  });

  it('is accepted when a later job would give the same name', () => {
    expect(plannedNames(plan(entry(shape.ami)), fastSettings({ 'compose-id': shape.composeId }))).toEqual([
      shape.ami,
    ]);
  });

  it('stops a job whose settings would name the AMI differently, before anything is uploaded', () => {
    const settings = fastSettings({ 'compose-id': shape.composeId, 'name-template': 'classic' });
    expect(() => plannedNames(plan(entry(shape.ami)), settings)).toThrow(InputError);
    expect(() => plannedNames(plan(entry(shape.ami)), settings)).toThrow(/same name-template and flavours/);
  });
});
