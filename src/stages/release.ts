import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { getOctokit } from '@actions/github';
import { parseComposeId } from '../compose/compose-id.js';
import { describeError, ReleaseError } from '../errors.js';
import type { Log } from '../log.js';
import type { Manifest } from '../report/manifest.js';
import type { ReleaseSettings } from '../settings/index.js';
import { redact } from '../report/redact.js';
import type { Table } from '../report/table.js';
import { defineStage } from './descriptor.js';

export interface ReleaseResult {
  /** What the release lists: every AMI of the compose. */
  manifest: Manifest;
  tag: string;
  url: string;
  created: boolean;
  assets: string[];
}

type Octokit = ReturnType<typeof getOctokit>;

/** The release body: per image, one row per region with the AMI of every flavour. */
export function releaseBody(manifest: Manifest): string {
  const lines = [`AMIs published by fedimg for compose \`${manifest.compose_id}\`.`, ''];
  for (const image of manifest.images) {
    const flavours = Object.keys(image.flavours);
    const regions = [
      ...new Set(flavours.flatMap((flavour) => Object.keys(image.flavours[flavour]!.regions))),
    ].sort();
    lines.push(`### ${image.image_name} (${image.architecture})`, '');
    lines.push(`| Region | ${flavours.join(' | ')} |`, `| --- | ${flavours.map(() => '---').join(' | ')} |`);
    for (const region of regions) {
      const amis = flavours.map((flavour) => image.flavours[flavour]!.regions[region]?.ami ?? '—');
      lines.push(`| ${region} | ${amis.join(' | ')} |`);
    }
    lines.push('', `Source: \`${image.source.file}\` (sha256 \`${image.source.sha256}\`)`, '');
  }
  lines.push(`The manifest (JSON) and the event log (NDJSON) are attached.`);
  return redact(lines.join('\n'));
}

function readManifest(path: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (error) {
    throw new ReleaseError(`Cannot read the manifest ${path}: ${describeError(error)}.`, {
      hint: 'Run the verify stage first (it writes manifest-file), or pass the path it wrote.',
    });
  }
  if (!manifest.compose_id || !Array.isArray(manifest.images) || manifest.images.length === 0) {
    throw new ReleaseError(`The manifest ${path} names no compose or holds no image.`, {
      hint: 'A release is tagged by compose ID: publish a compose (not a lone image URL) and verify it first.',
    });
  }
  return manifest;
}

const isNotFound = (error: unknown) => (error as { status?: number }).status === 404;

/**
 * Creates the GitHub release tagged by the compose ID, or updates it on a re-run, with the AMI table
 * as its body and the manifest and events as assets (an asset of the same name is replaced).
 */
export async function runRelease(
  settings: ReleaseSettings,
  log: Log,
  deps: { octokit?: Octokit } = {},
): Promise<ReleaseResult> {
  if (!settings.token)
    throw new ReleaseError('The release stage needs a GitHub token.', {
      hint: 'The action passes github.token by default; the job needs `permissions: contents: write`.',
    });
  const [owner, repo] = (settings.repository ?? '').split('/');
  if (!owner || !repo)
    throw new ReleaseError(`GITHUB_REPOSITORY "${settings.repository ?? ''}" is not owner/name.`, {
      hint: 'The runner sets it; from a terminal, export GITHUB_REPOSITORY=<owner>/<name>.',
    });
  if (!settings.manifestFile)
    throw new ReleaseError('The release stage needs the manifest verify wrote.', {
      hint: 'Pass manifest-file (--manifest-file) with the path given to verify.',
    });
  const manifest = readManifest(settings.manifestFile);
  const tag = manifest.compose_id;
  const prerelease = parseComposeId(tag).type !== 'production';
  // Loaded here: the GitHub client is only needed by this stage.
  const octokit = deps.octokit ?? (await import('@actions/github')).getOctokit(settings.token);
  const body = releaseBody(manifest);
  const where = `${owner}/${repo} release ${tag}`;
  try {
    let release;
    let created = false;
    try {
      release = (await octokit.rest.repos.getReleaseByTag({ owner, repo, tag })).data;
      release = (
        await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.id, body, prerelease })
      ).data;
      log.info(`Updated ${where}.`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      release = (
        await octokit.rest.repos.createRelease({ owner, repo, tag_name: tag, name: tag, body, prerelease })
      ).data;
      created = true;
      log.info(`Created ${where}.`);
    }
    const existing = (
      await octokit.rest.repos.listReleaseAssets({ owner, repo, release_id: release.id, per_page: 100 })
    ).data;
    const assets: string[] = [];
    for (const [path, contentType] of [
      [settings.manifestFile, 'application/json'],
      ...(settings.eventsFile ? [[settings.eventsFile, 'application/x-ndjson'] as const] : []),
      ...(settings.indexFile && existsSync(settings.indexFile)
        ? [[settings.indexFile, 'application/json'] as const]
        : []),
    ] as const) {
      if (!existsSync(path)) {
        log.warning(`${path} does not exist; the release has no ${basename(path)} asset.`, 'fedimg release');
        continue;
      }
      const name = basename(path);
      const old = existing.find((asset) => asset.name === name);
      if (old) await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: old.id });
      const data = readFileSync(path);
      // upload_url is a URI template on the uploads host; octokit expands {?name,label}.
      // No Content-Length of fedimg's: fetch sends the Buffer's own. undici 6's fetch (octokit's)
      // appends its value to one the caller set ("1071, 1071"), and on Node 24 it dispatches
      // through Node's own undici, whose parser refuses that (Node ≥ 24.17): the upload failed.
      await octokit.request({
        method: 'POST',
        url: release.upload_url,
        name,
        data,
        headers: { 'content-type': contentType },
      });
      assets.push(name);
    }
    return { manifest, tag, url: release.html_url, created, assets };
  } catch (error) {
    if (error instanceof ReleaseError) throw error;
    throw new ReleaseError(`Could not create or update ${where}: ${describeError(error)}.`, {
      hint: 'Check that the job has `permissions: contents: write` and that the token belongs to this repository; re-running the job updates the same release.',
      cause: error,
    });
  }
}

/** The release and every AMI it lists, one row per image, flavour and region. */
export function releaseTable(result: ReleaseResult): Table {
  const rows = result.manifest.images.flatMap((image) =>
    Object.entries(image.flavours).flatMap(([flavour, detail]) =>
      Object.entries(detail.regions).map(([region, entry]) => [detail.name, flavour, region, entry.ami]),
    ),
  );
  return {
    title: `fedimg release — ${result.tag} (${result.created ? 'created' : 'updated'})`,
    header: ['Name', 'Flavour', 'Region', 'AMI'],
    rows,
    note: `${result.url}; assets: ${result.assets.join(', ') || 'none'}`,
  };
}

export const releaseStage = defineStage<ReleaseResult>({
  name: 'release',
  about: 'a GitHub release tagged by the compose ID, with the manifest and events',
  compose: 'ignored',
  reads: ['eventsFile', 'manifestFile', 'indexDir', 'release'],
  inRun: false,
  run: (settings, log) => runRelease(settings.release, log),
  table: (result) => releaseTable(result),
  outputs: (result) => ({ 'release-url': result.url }),
});
