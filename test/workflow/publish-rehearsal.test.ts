import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatchPayload, statusMessage } from '../fixtures/compose.js';
import { expectClean } from '../helpers/aws.js';
import { WORKFLOW_SHA } from '../helpers/rehearsal.js';
import {
  deployPages,
  dispatch,
  explain,
  JOBS,
  outcome,
  PLAN_ROLE,
  PUBLISH_ROLE,
  REGIONS,
  REPOSITORY,
  results,
  usePublishRehearsal,
} from '../helpers/publish-rehearsal.js';

const setup = usePublishRehearsal('fedimg-rehearsal-');
const { world, nightly, location, run } = setup;
const github = () => setup.github;

describe('publish.yml, rehearsed', () => {
  it('runs a dispatched compose from plan to release: an AMI for every image × region, a summary per job', async () => {
    const rehearsal = await run(dispatch(dispatchPayload(statusMessage(nightly(), location(nightly())))));
    expect(results(rehearsal), explain(rehearsal)).toEqual(
      outcome(Object.fromEntries(JOBS.map((job) => [job, 'success']))),
    );
    // The plan is the contract: the compose host served its metadata once, to the plan job, and
    // every later job took the plan's images (it would not matter if the host went away now).
    const metadata = world.files.requests
      .map((request) => request.path)
      .filter((path) => !path.endsWith('.raw.xz'));
    expect(metadata.length).toBeGreaterThan(0);
    expect(metadata, metadata.join('\n')).toEqual([...new Set(metadata)]);
    // Every fedimg step is given only inputs its stage reads (an unread one is warned of).
    const unread = [...rehearsal.jobs.values()].flatMap((job) =>
      job.legs.flatMap((leg) =>
        leg.steps.filter((step) => step.uses === './' && /no effect here/.test(step.log)),
      ),
    );
    expect(unread.map((step) => step.log)).toEqual([]);
    // The matrices came from the plan's real outputs: one leg per image, one per region.
    expect(
      rehearsal.jobs
        .get('import')!
        .legs.map((leg) => leg.matrix!.arch)
        .sort(),
    ).toEqual(['aarch64', 'x86_64']);
    expect(
      rehearsal.jobs
        .get('copy')!
        .legs.map((leg) => leg.matrix!.region)
        .sort(),
    ).toEqual([...REGIONS].sort());

    const manifestDir = rehearsal.artifacts.get('fedimg-manifest')!;
    const manifest = JSON.parse(await readFile(join(manifestDir, 'manifest.json'), 'utf8'));
    expect(manifest.compose_id).toBe(nightly().composeId);
    expect(manifest.images).toHaveLength(2);
    for (const image of manifest.images) {
      expect(Object.keys(image.regions).sort()).toEqual(['us-east-1', ...REGIONS].sort());
      for (const ami of Object.values(image.regions)) expect(ami).toMatch(/^ami-[0-9a-f]+$/);
    }
    // Events from every job's legs were gathered into one log.
    const events = (await readFile(join(manifestDir, 'events.ndjson'), 'utf8')).trim().split('\n');
    expect(events.length).toBeGreaterThan(4);

    // Every job leg wrote what it did, with AMI IDs, to its job summary.
    for (const [id, job] of rehearsal.jobs) {
      for (const leg of job.legs) {
        expect(leg.summary, `${id} ${JSON.stringify(leg.matrix)}`).toContain('fedimg');
        // A nightly gets no Marketplace version: that summary names none.
        if (id !== 'plan' && id !== 'marketplace') expect(leg.summary, id).toMatch(/ami-[0-9a-f]+/);
      }
    }

    // The release is tagged by the compose, carries the AMI table and both world.files, with the job's token.
    expect(github().releases).toHaveLength(1);
    const release = github().releases[0]!;
    expect(release.tag_name).toBe(nightly().composeId);
    expect(release.prerelease).toBe(true);
    expect(release.body).toContain(manifest.images[0].regions['eu-west-1']);
    expect(release.assets.map((asset) => asset.name).sort()).toEqual([
      'events.ndjson',
      'index.json',
      'manifest.json',
    ]);

    // The index was regenerated from AWS after publishing; pages.yml, started by the completed run,
    // deploys it from the run's fedimg-index artifact.
    expect(rehearsal.pages).toEqual([]);
    const pages = await deployPages(rehearsal);
    expect(results(pages), explain(pages)).toEqual({ deploy: 'success' });
    expect(pages.pages.map((deployment) => deployment.job)).toEqual(['deploy']);
    const page = await readFile(join(pages.pages[0]!.site, 'index.html'), 'utf8');
    for (const image of manifest.images)
      for (const ami of Object.values<string>(image.regions)) expect(page).toContain(ami);
    expect(pages.jobs.get('deploy')!.permissions).toEqual({
      actions: 'read',
      pages: 'write',
      'id-token': 'write',
    });
    // The Marketplace job ran (its products are configured) and, for a nightly, added nothing.
    expect(rehearsal.jobs.get('marketplace')!.legs[0]!.summary).toMatch(/nightly compose/);
    expect(world.emulator.state.catalog.changeSets.size).toBe(0);
    expect([...github().tokens]).toEqual(['token ghs_rehearsal_token']);

    // Permissions: AWS only where OIDC is configured; contents: write only for the release.
    expect(rehearsal.jobs.get('release')!.permissions).toEqual({ contents: 'write' });
    // Every job ran this workflow file's own commit, as its OIDC token named it.
    expect(rehearsal.checkouts.length).toBeGreaterThan(6);
    for (const checkout of rehearsal.checkouts)
      expect(checkout, checkout.job).toMatchObject({ repository: REPOSITORY, ref: WORKFLOW_SHA });
    // The plan, which parses untrusted metadata, ran with the read-only role; the rest with the publish role.
    for (const { job, role } of rehearsal.roles)
      expect(role, job).toBe(job === 'plan' ? PLAN_ROLE : PUBLISH_ROLE);

    expectClean(world.emulator, expect);
    const inventory = world.emulator.inventory();
    // Two images in the base region and in each destination, all public. (A re-delivered dispatch
    // is the re-run of the call rehearsal; the release updated in place is the release stage's test.)
    expect(inventory.images).toHaveLength(2 * (1 + REGIONS.length));
    expect(inventory.images.every((image) => image.public)).toBe(true);
    // A nightly's AMIs are deprecated deprecation-days (30 by default) out, in every region.
    const day = 24 * 3600 * 1000;
    for (const image of world.emulator.state.images.values()) {
      const days = ((image.deprecationTime?.getTime() ?? 0) - Date.now()) / day;
      expect(days, `${image.region} ${image.id}`).toBeGreaterThan(29.9);
      expect(days, `${image.region} ${image.id}`).toBeLessThanOrEqual(30);
    }
  }, 300_000);
});
