import { describe, expect, it } from 'vitest';
import type { ExpectedAmi } from '../../src/aws/images.js';
import {
  publishStage,
  publishTable,
  type PublishedAmi,
  type PublishResult,
} from '../../src/stages/publish.js';

const ami = (name: string): ExpectedAmi => ({ name }) as ExpectedAmi;
const published: PublishedAmi[] = [
  {
    region: 'us-east-1',
    ami: ami('Fedora-Cloud-Base-AmazonEC2.x86_64'),
    imageId: 'ami-3',
    public: true,
    deprecateAt: undefined,
  },
  {
    region: 'eu-west-1',
    ami: ami('Fedora-Cloud-Base-AmazonEC2.x86_64'),
    imageId: 'ami-2',
    public: false,
    deprecateAt: '2027-01-01T00:00:00.000Z',
  },
  {
    region: 'eu-west-1',
    ami: ami('Fedora-Cloud-Base-AmazonEC2.aarch64'),
    imageId: 'ami-1',
    public: true,
    deprecateAt: undefined,
  },
];
const result = (over: Partial<PublishResult> = {}): PublishResult => ({
  composeId: 'Fedora-Rawhide-20261204.n.0',
  skipped: false,
  reason: undefined,
  published,
  skippedRegions: [],
  ...over,
});

describe('what publish reports', () => {
  it('lists every AMI by region and name, whether it is public and when it is deprecated', () => {
    expect(publishTable(result())).toEqual({
      title: 'fedimg publish — Fedora-Rawhide-20261204.n.0',
      header: ['Region', 'AMI', 'Name', 'Public', 'Deprecated at'],
      rows: [
        ['eu-west-1', 'ami-1', 'Fedora-Cloud-Base-AmazonEC2.aarch64', 'yes', ''],
        ['eu-west-1', 'ami-2', 'Fedora-Cloud-Base-AmazonEC2.x86_64', 'no', '2027-01-01T00:00:00.000Z'],
        ['us-east-1', 'ami-3', 'Fedora-Cloud-Base-AmazonEC2.x86_64', 'yes', ''],
      ],
      note: undefined,
    });
    // The result keeps its own order: the table sorts a copy.
    expect(published.map((entry) => entry.imageId)).toEqual(['ami-3', 'ami-2', 'ami-1']);
  });

  it('says why nothing was done, which best-effort regions were skipped, and names a direct image', () => {
    expect(
      publishTable(
        result({
          composeId: '',
          skipped: true,
          reason: 'the compose is DOOMED',
          published: [],
          skippedRegions: ['ap-east-1', 'me-south-1'],
        }),
      ),
    ).toMatchObject({
      title: 'fedimg publish — direct image',
      rows: [],
      note: 'Nothing to do: the compose is DOOMED.\nBest-effort regions skipped: ap-east-1, me-south-1.',
    });
  });

  it('hands the published AMIs on as JSON, and whether the stage was skipped', () => {
    expect(publishStage.outputs(result(), undefined as never)).toEqual({
      published: JSON.stringify([
        { region: 'us-east-1', ami: 'ami-3', name: 'Fedora-Cloud-Base-AmazonEC2.x86_64', public: true },
        {
          region: 'eu-west-1',
          ami: 'ami-2',
          name: 'Fedora-Cloud-Base-AmazonEC2.x86_64',
          public: false,
          deprecate_at: '2027-01-01T00:00:00.000Z',
        },
        { region: 'eu-west-1', ami: 'ami-1', name: 'Fedora-Cloud-Base-AmazonEC2.aarch64', public: true },
      ]),
      skipped: 'false',
    });
    expect(publishStage.outputs(result({ skipped: true, published: [] }), undefined as never)).toEqual({
      published: '[]',
      skipped: 'true',
    });
  });
});
