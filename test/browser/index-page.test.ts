import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '@aws-sdk/client-ec2';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentAmis, type AmiIndex, type RegionImage } from '../../src/ami-index/select.js';
import { writeIndex } from '../../src/ami-index/write.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';

/** Debian's Chromium (no browser download: the registries here cannot serve one). */
function findChromium(): string | undefined {
  for (const candidate of [process.env.FEDIMG_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!candidate) continue;
    try {
      return (
        execFileSync('sh', ['-c', `command -v "${candidate}"`], { encoding: 'utf8' }).trim() || undefined
      );
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

const executablePath = findChromium();
if (!executablePath) {
  process.stderr.write(
    'SKIPPED: the index page browser test needs Chromium (apt-get install chromium, or FEDIMG_CHROMIUM=<path>); .ci/run installs it.\n',
  );
}

function image(region: string, release: string, arch: string, flavour: string, n: number): RegionImage {
  const id = `ami-${n.toString(16).padStart(17, '0')}`;
  const composeId = release === 'Rawhide' ? 'Fedora-Rawhide-20261130.n.0' : `Fedora-${release}-20261101.0`;
  const tags = {
    ManagedBy: 'fedimg',
    'fedimg:compose-id': composeId,
    'fedimg:release': release,
    'fedimg:arch': arch,
    'fedimg:flavour': flavour,
    // fedimg's provenance and the boot-test verdict: the index lists nothing without them.
    'fedimg:source-sha256': createHash('sha256').update(`${composeId}/${arch}`).digest('hex'),
    'fedimg:image': `Fedora-Cloud-Base-AmazonEC2-${release}.${arch}.raw.xz`,
    'fedimg:boot-test': 'passed',
  };
  return {
    region,
    image: {
      ImageId: id,
      Name: `Fedora-Cloud-Base-AmazonEC2.${arch}-${release}-${n}`,
      Public: true,
      State: 'available',
      CreationDate: '2026-11-20T10:00:00.000Z',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    } satisfies Image,
  };
}

describe.skipIf(!executablePath)(
  `index.html in Chromium${executablePath ? '' : ' (SKIPPED: no Chromium on this machine)'}`,
  () => {
    let dir: string;
    let files: FileServer;
    let browser: Browser;
    let index: AmiIndex;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'fedimg-page-'));
      const regions = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];
      let n = 1;
      const images: RegionImage[] = [];
      for (const region of regions)
        for (const [release, arch, flavour] of [
          ['42', 'x86_64', 'gp3'],
          ['42', 'aarch64', 'gp3'],
          ['41', 'x86_64', 'gp3'],
          ['41', 'x86_64', 'gp2'],
          ['Rawhide', 'x86_64', 'gp3'],
        ] as const)
          images.push(image(region, release, arch, flavour, n++));
      index = currentAmis(images, regions, new Date('2026-12-01T12:00:00Z'));
      await writeIndex(dir, index);
      files = await startFileServer(dir);
      browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await files?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('shows every AMI of the index in a table per release and arch', async () => {
      const page = await browser.newPage();
      await page.goto(`${files.url}index.html`);
      expect(await page.locator('h1').innerText()).toContain('Fedora');
      expect(await page.locator('h3').allInnerTexts()).toEqual([
        'Fedora 42 · aarch64',
        'Fedora 42 · x86_64',
        'Fedora 41 · x86_64',
        'Fedora Rawhide · x86_64',
      ]);
      const shown = await page.locator('tbody tr td code').allInnerTexts();
      expect(shown.sort()).toEqual(index.images.map((entry) => entry.ami_id).sort());
      await page.close();
    });

    it('filters by region, and copies an AMI ID with its button', async () => {
      const context = await browser.newContext();
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: files.url });
      const page = await context.newPage();
      await page.goto(`${files.url}index.html`);
      await page.getByLabel('Show region').selectOption('eu-west-1');
      const visible = await page
        .locator('tbody tr:visible')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-region')));
      expect(visible).toHaveLength(index.images.filter((entry) => entry.region === 'eu-west-1').length);
      expect(new Set(visible)).toEqual(new Set(['eu-west-1']));
      const first = index.images.find((entry) => entry.region === 'eu-west-1')!;
      await page.getByRole('button', { name: `Copy ${first.ami_id}` }).click();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(first.ami_id);
      await context.close();
    });

    it('is usable without JavaScript: the rows are in the HTML, the script-only controls stay hidden', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${files.url}index.html`);
      expect(await page.locator('tbody tr').count()).toBe(index.images.length);
      expect(await page.locator('#region').isVisible()).toBe(false);
      expect(await page.locator('button.copy:visible').count()).toBe(0);
      await context.close();
    });
  },
);
