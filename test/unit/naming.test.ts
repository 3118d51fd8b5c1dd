import { describe, expect, it } from 'vitest';
import {
  amiName,
  CLASSIC_NAME_TEMPLATE,
  DEFAULT_NAME_TEMPLATE,
  resolveNameTemplate,
} from '../../src/aws/naming.js';
import type { PlannedImage } from '../../src/compose/types.js';
import { InputError } from '../../src/errors.js';

function image(overrides: Partial<PlannedImage>): PlannedImage {
  return {
    name: 'Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64',
    file: 'Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64.raw.xz',
    arch: 'x86_64',
    ec2_arch: 'x86_64',
    url: 'https://kojipkgs.fedoraproject.org/x.raw.xz',
    size: 1,
    sha256: '0'.repeat(64),
    compose_id: 'Fedora-41-20241020.0',
    release: '41',
    subvariant: 'Cloud_Base',
    variant: 'Cloud',
    compose_type: 'production',
    compose_date: '20241020',
    compose_respin: 0,
    label: 'RC-1.4',
    ...overrides,
  };
}
const gp3 = { name: 'gp3', volumeType: 'gp3' };
const name = (img: PlannedImage, template = DEFAULT_NAME_TEMPLATE, flavour = gp3, isDefaultFlavour = true) =>
  amiName(template, { image: img, flavour, isDefaultFlavour, region: 'us-east-1' });

describe('AMI names', () => {
  it("reproduces Fedora's current names for a release, a Beta and a dated compose", () => {
    expect(name(image({}))).toBe('Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4');
    expect(
      name(
        image({
          name: 'Fedora-Cloud-Base-AmazonEC2-41_Beta-1.2.aarch64',
          arch: 'aarch64',
          ec2_arch: 'arm64',
          label: 'Beta-1.2',
        }),
      ),
    ).toBe('Fedora-Cloud-Base-AmazonEC2.aarch64-41-Prerelease-1.2');
    expect(
      name(
        image({
          name: 'Fedora-Cloud-Base-AmazonEC2-43-20260226.0.x86_64',
          release: '43',
          label: '',
          compose_type: 'production',
          compose_date: '20260226',
          compose_respin: 0,
        }),
      ),
    ).toBe('Fedora-Cloud-Base-AmazonEC2.x86_64-43-20260226.0');
  });

  it('suffixes extra flavours, and offers the old fedimg template', () => {
    expect(name(image({}), DEFAULT_NAME_TEMPLATE, { name: 'gp2', volumeType: 'gp2' }, false)).toBe(
      'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4-gp2',
    );
    expect(name(image({}), resolveNameTemplate('classic'))).toBe(
      'Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64-hvm-us-east-1-gp3-0',
    );
    expect(resolveNameTemplate('classic')).toBe(CLASSIC_NAME_TEMPLATE);
  });

  it('refuses unknown variables and names AWS would refuse', () => {
    expect(() => resolveNameTemplate('{product}-{whatever}')).toThrow(InputError);
    expect(() => name(image({}), '{arch}!')).toThrow(/not a valid AMI name/);
    expect(() => name(image({}), 'x{arch}'.repeat(20))).toThrow(/not a valid AMI name/);
  });
});
