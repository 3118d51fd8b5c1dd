import { createHash } from 'node:crypto';
import type { Image } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { renderIndexPage } from '../../src/ami-index/page.js';
import { currentAmis, type RegionImage } from '../../src/ami-index/select.js';
import { pickLatest } from '../../src/cli/latest.js';

const NOW = new Date('2026-12-01T12:00:00Z');
let serial = 0;

/** fedimg's provenance of an AMI of this compose and arch: the image it came from, and its verdict. */
function provenance(tags: Record<string, string>): Record<string, string> {
  const source = `${tags['fedimg:compose-id'] ?? 'direct'}/${tags['fedimg:arch'] ?? 'x86_64'}`;
  return {
    'fedimg:source-sha256': createHash('sha256').update(source).digest('hex'),
    'fedimg:image': 'Fedora-Cloud-Base-AmazonEC2.raw.xz',
    'fedimg:boot-test': 'passed',
  };
}

function ami(region: string, tags: Record<string, string>, image: Partial<Image> = {}): RegionImage {
  const id = `ami-${(++serial).toString(16).padStart(17, '0')}`;
  return {
    region,
    image: {
      ImageId: id,
      Name: `Fedora-Cloud-Base-AmazonEC2.${tags['fedimg:arch'] ?? 'x86_64'}-${serial}`,
      Public: true,
      State: 'available',
      CreationDate: '2026-11-20T10:00:00.000Z',
      BootMode: 'uefi-preferred',
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeType: 'gp3' } }],
      Tags: Object.entries({
        ManagedBy: 'fedimg',
        'fedimg:arch': 'x86_64',
        'fedimg:flavour': 'gp3',
        ...provenance(tags),
        ...tags,
      })
        .filter(([, Value]) => Value !== '')
        .map(([Key, Value]) => ({ Key, Value })),
      ...image,
    },
  };
}

const f41 = (date: string, respin = 0) => ({
  'fedimg:compose-id': `Fedora-41-${date}.${respin}`,
  'fedimg:release': '41',
});

describe('the current-AMIs index', () => {
  it('lists, per region, the newest compose by date and respin', () => {
    const older = ami('us-east-1', f41('20261101'));
    const newer = ami('us-east-1', f41('20261101', 1), { CreationDate: '2026-11-01T00:00:00.000Z' });
    const elsewhere = ami('eu-west-1', f41('20261015'));
    const index = currentAmis([newer, older, elsewhere], ['us-east-1', 'eu-west-1'], NOW);
    expect(index.images.map((entry) => [entry.region, entry.ami_id])).toEqual([
      ['eu-west-1', elsewhere.image.ImageId],
      ['us-east-1', newer.image.ImageId],
    ]);
    expect(index).toMatchObject({
      schema_version: 1,
      generated_at: NOW.toISOString(),
      regions: ['eu-west-1', 'us-east-1'],
    });
    expect(index.images[1]).toMatchObject({
      release: '41',
      arch: 'x86_64',
      flavour: 'gp3',
      compose_id: 'Fedora-41-20261101.1',
      volume_type: 'gp3',
      boot_mode: 'uefi-preferred',
      deprecation_time: null,
      launch_url: `https://console.aws.amazon.com/ec2/home?region=us-east-1#LaunchInstances:ami=${newer.image.ImageId}`,
    });
  });

  it('leaves out private, deprecated, failed, unavailable and foreign AMIs, and forged tag values', () => {
    const listed = ami('us-east-1', f41('20261101'));
    const excluded = [
      ami('us-east-1', f41('20261120'), { Public: false }),
      ami('us-east-1', f41('20261121'), { DeprecationTime: '2026-11-30T00:00:00.000Z' }),
      ami('us-east-1', { ...f41('20261122'), 'fedimg:boot-test': 'failed' }),
      ami('us-east-1', f41('20261123'), { State: 'pending' }),
      ami('us-east-1', { ...f41('20261124'), ManagedBy: 'someone-else' }),
      ami('us-east-1', { ...f41('20261125'), 'fedimg:arch': '<script>' }),
      ami('us-east-1', { ...f41('20261126'), 'fedimg:release': '../../etc' }),
    ];
    const index = currentAmis([listed, ...excluded], ['us-east-1'], NOW);
    expect(index.images.map((entry) => entry.ami_id)).toEqual([listed.image.ImageId]);
  });

  it('lists only boot-tested AMIs with fedimg’s provenance: a tag alone does not make an AMI current', () => {
    const tested = ami('us-east-1', f41('20261101'));
    // Newer, public and ManagedBy=fedimg, but never boot-tested, or without the image it came from.
    const untested = ami('us-east-1', { ...f41('20261130'), 'fedimg:boot-test': '' });
    const noSource = ami('us-east-1', { ...f41('20261129'), 'fedimg:source-sha256': '' });
    const badSource = ami('us-east-1', { ...f41('20261128'), 'fedimg:source-sha256': 'not-a-digest' });
    const index = currentAmis([tested, untested, noSource, badSource], ['us-east-1'], NOW);
    expect(index.images.map((entry) => entry.ami_id)).toEqual([tested.image.ImageId]);
  });

  it('takes the image’s verdict for a flavour that was not booted itself, as publish does', () => {
    // The boot test boots one flavour; the image passed when one of its AMIs passed and none failed.
    const booted = ami('us-east-1', f41('20261201'));
    const sibling = ami('us-east-1', { ...f41('20261201'), 'fedimg:flavour': 'gp2', 'fedimg:boot-test': '' });
    const failedImage = ami('us-east-1', {
      ...f41('20261202'),
      'fedimg:flavour': 'gp2',
      'fedimg:boot-test': '',
    });
    const failedBooted = ami('us-east-1', { ...f41('20261202'), 'fedimg:boot-test': 'failed' });
    const index = currentAmis([booted, sibling, failedImage, failedBooted], ['us-east-1'], NOW);
    expect(index.images.map((entry) => entry.ami_id).sort()).toEqual(
      [booted.image.ImageId, sibling.image.ImageId].sort(),
    );
  });

  it('keeps a nightly whose deprecation is still ahead, with the date it will go', () => {
    const nightly = ami(
      'us-east-1',
      { 'fedimg:compose-id': 'Fedora-Rawhide-20261130.n.0', 'fedimg:release': 'Rawhide' },
      { DeprecationTime: '2026-12-30T00:00:00.000Z' },
    );
    const [entry] = currentAmis([nightly], ['us-east-1'], NOW).images;
    expect(entry).toMatchObject({ release: 'Rawhide', deprecation_time: '2026-12-30T00:00:00.000Z' });
  });

  it('puts numbered releases newest first, then Rawhide and ELN; two flavours side by side', () => {
    const index = currentAmis(
      [
        ami('us-east-1', { 'fedimg:compose-id': 'Fedora-eln-20261130.n.0', 'fedimg:release': 'eln' }),
        ami('us-east-1', { 'fedimg:compose-id': 'Fedora-Rawhide-20261130.n.0', 'fedimg:release': 'Rawhide' }),
        ami('us-east-1', f41('20261101')),
        ami('us-east-1', { 'fedimg:compose-id': 'Fedora-42-20261101.0', 'fedimg:release': '42' }),
        ami('us-east-1', { ...f41('20261101'), 'fedimg:flavour': 'gp2' }),
        ami('us-east-1', { ...f41('20261101'), 'fedimg:arch': 'aarch64' }),
      ],
      ['us-east-1'],
      NOW,
    );
    expect(index.images.map((entry) => `${entry.release}/${entry.arch}/${entry.flavour}`)).toEqual([
      '42/x86_64/gp3',
      '41/aarch64/gp3',
      '41/x86_64/gp2',
      '41/x86_64/gp3',
      'Rawhide/x86_64/gp3',
      'ELN/x86_64/gp3',
    ]);
  });

  it('gives the page a Content-Security-Policy that lets only its own script and style run', () => {
    const page = renderIndexPage(currentAmis([ami('us-east-1', f41('20261101'))], ['us-east-1'], NOW));
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
    expect(policy).toMatch(
      /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'/,
    );
    const inline = (tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(page)![1]!;
    const hash = (text: string) => createHash('sha256').update(text).digest('base64');
    expect(policy).toContain(`'sha256-${hash(inline('script'))}'`);
    expect(policy).toContain(`'sha256-${hash(inline('style'))}'`);
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<style>'));
  });

  it('renders a page with every AMI ID, escaped text, a region filter and no outside resources', () => {
    const hostile = ami('us-east-1', f41('20261101'), { Name: 'a<img src=x onerror=alert(1)>' });
    const other = ami('eu-west-1', f41('20261101'));
    const index = currentAmis([hostile, other], ['us-east-1', 'eu-west-1'], NOW);
    const page = renderIndexPage(index);
    for (const entry of index.images) expect(page).toContain(entry.ami_id);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<label for="region"');
    expect(page).toContain('<option value="eu-west-1">');
    expect(page).toMatch(/<h2>Fedora 41<\/h2>/);
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/);
  });
});

describe('fedimg latest', () => {
  const index = currentAmis(
    [ami('eu-west-1', f41('20261101')), ami('eu-west-1', { ...f41('20261101'), 'fedimg:flavour': 'gp2' })],
    ['eu-west-1'],
    NOW,
  );

  it('finds the entry of a release, arch, region and flavour; the configured first flavour by default', () => {
    const query = {
      release: '41',
      arch: 'x86_64',
      region: 'eu-west-1',
      flavour: undefined,
      indexUrl: undefined,
    };
    expect(pickLatest(index, query, 'gp3').flavour).toBe('gp3');
    expect(pickLatest(index, { ...query, flavour: 'gp2' }, 'gp3').flavour).toBe('gp2');
  });

  it('says what exists when the query names nothing', () => {
    const query = {
      release: '40',
      arch: 'x86_64',
      region: 'eu-west-1',
      flavour: undefined,
      indexUrl: undefined,
    };
    expect(() => pickLatest(index, query, 'gp3')).toThrow(
      /No current AMI of Fedora 40 x86_64 in eu-west-1\. eu-west-1 has: 41\/x86_64/,
    );
    expect(() => pickLatest(index, { ...query, release: '41', flavour: 'io2' }, 'gp3')).toThrow(
      /--flavour with one of: gp2, gp3|--flavour with one of: gp3, gp2/,
    );
  });
});

// Each rule of the selection exactly (killing the mutants docs/mutation.md lists): tag values are
// anyone's to write, so a value is taken whole or not at all.
describe('the index’s rules, exactly', () => {
  const listed = (candidates: RegionImage[]) =>
    currentAmis(candidates, ['us-east-1'], NOW).images.map((entry) => entry.ami_id);

  it('takes no tag value with anything before or after its plain form', () => {
    const plainOk = ami('us-east-1', { ...f41('20261101'), 'fedimg:arch': 'x86_64' });
    const sha = provenance(f41('20261101'))['fedimg:source-sha256']!;
    const forged = [
      ami('us-east-1', { ...f41('20261101'), 'fedimg:arch': 'x86_64<b>' }),
      ami('us-east-1', { ...f41('20261101'), 'fedimg:image': 'a.raw.xz<script>' }),
      ami('us-east-1', { ...f41('20261101'), 'fedimg:image': '<script>a.raw.xz' }),
      ami('us-east-1', { ...f41('20261101'), 'fedimg:source-sha256': `x${sha}` }),
      ami('us-east-1', { ...f41('20261101'), 'fedimg:source-sha256': `${sha}x` }),
      ami('us-east-1', { ...f41('20261101'), 'fedimg:release': '41 ' }),
    ];
    expect(listed([plainOk])).toEqual([plainOk.image.ImageId]);
    // One at a time: beside the plain one, the slot's first holder would win anyway.
    for (const candidate of forged) expect(listed([candidate])).toEqual([]);
    // A compose ID that is not plain is left out of the entry, which stays listed.
    for (const composeId of ['<x>Fedora-41-20261101.0', 'Fedora-41-20261101.0<x>']) {
      const entry = currentAmis(
        [ami('us-east-1', { 'fedimg:compose-id': composeId, 'fedimg:release': '41' })],
        ['us-east-1'],
        NOW,
      ).images[0]!;
      expect(entry.compose_id).toBe('');
    }
    const named = currentAmis([ami('us-east-1', f41('20261101'), { Name: undefined })], ['us-east-1'], NOW);
    expect(named.images[0]!.name).toBe('');
  });

  it('leaves out an AMI whose deprecation is now, and takes the release from the compose ID when untagged', () => {
    const due = ami('us-east-1', f41('20261101'), { DeprecationTime: NOW.toISOString() });
    expect(listed([due])).toEqual([]);
    const untagged = ami('us-east-1', { 'fedimg:compose-id': 'Fedora-42-20261101.0', 'fedimg:release': '' });
    expect(currentAmis([untagged], ['us-east-1'], NOW).images[0]!.release).toBe('42');
    const noId = ami('us-east-1', { 'fedimg:compose-id': '', 'fedimg:release': '' });
    expect(listed([noId])).toEqual([]);
  });

  it('names Rawhide and ELN only when the release is exactly that, and orders numbered, Rawhide, ELN, others', () => {
    const releases = ['rawhide', 'ELN', 'Rawhide2', 'xeln', 'xrawhide', 'elnx', '40', '9a', '41'];
    const entries = currentAmis(
      releases.map((release) =>
        ami('us-east-1', {
          'fedimg:compose-id': `Fedora-${release}-20261101.n.0`,
          'fedimg:release': release,
        }),
      ),
      ['us-east-1'],
      NOW,
    ).images.map((entry) => entry.release);
    expect(entries).toEqual(['41', '40', 'Rawhide', 'ELN', '9a', 'elnx', 'Rawhide2', 'xeln', 'xrawhide']);
  });

  it('keeps the newest per stream by date, then respin, then creation; an unparsable ID counts as oldest', () => {
    const day1 = ami('us-east-1', f41('20261101', 9));
    const day2 = ami('us-east-1', f41('20261102', 0));
    expect(listed([day2, day1])).toEqual([day2.image.ImageId]);
    expect(listed([day1, day2])).toEqual([day2.image.ImageId]);
    const respin2 = ami('us-east-1', f41('20261101', 2));
    const respin10 = ami('us-east-1', f41('20261101', 10));
    expect(listed([respin10, respin2])).toEqual([respin10.image.ImageId]);
    // Equal recency: the first one seen stays.
    const twinA = ami('us-east-1', f41('20261103'));
    const twinB = ami('us-east-1', f41('20261103'));
    expect(listed([twinA, twinB])).toEqual([twinA.image.ImageId]);
    const odd = ami('us-east-1', { 'fedimg:compose-id': 'odd', 'fedimg:release': '41' });
    expect(listed([odd, day1])).toEqual([day1.image.ImageId]);
    const oddLater = ami(
      'us-east-1',
      { 'fedimg:compose-id': 'odd2', 'fedimg:release': '41' },
      { CreationDate: '2026-11-25T00:00:00.000Z' },
    );
    expect(listed([odd, oddLater])).toEqual([oddLater.image.ImageId]);
  });

  it('keeps streams apart however their names run together', () => {
    const a = ami('us-east-1', {
      'fedimg:compose-id': 'Fedora-41-20261101.0',
      'fedimg:release': '41',
      'fedimg:arch': 'x86_64',
    });
    const b = ami('us-east-1', {
      'fedimg:compose-id': 'Fedora-4-20261101.0',
      'fedimg:release': '4',
      'fedimg:arch': '1x86_64',
    });
    expect(listed([a, b]).sort()).toEqual([a.image.ImageId, b.image.ImageId].sort());
  });

  it('decides the boot-test verdict per image and region, not across images or regions', () => {
    const passedHere = ami('us-east-1', f41('20261101'));
    // Another image (other digest) whose AMI failed: it does not taint this one.
    const failedOther = ami('us-east-1', {
      ...f41('20261101'),
      'fedimg:arch': 'aarch64',
      'fedimg:boot-test': 'failed',
    });
    expect(listed([passedHere, failedOther])).toEqual([passedHere.image.ImageId]);
    // The same image's AMI in another region that failed does not taint this region either.
    const failedElsewhere = ami('eu-west-1', { ...f41('20261101'), 'fedimg:boot-test': 'failed' });
    expect(listed([passedHere, failedElsewhere])).toEqual([passedHere.image.ImageId]);
  });
});
