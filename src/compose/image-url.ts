import { ComposeError, describeError, FedimgError } from '../errors.js';
import { fetchAllowed, type HttpResponse } from '../net/http.js';
import { checksumsForDirectory } from './checksums-beside.js';
import { parseComposeId, type ComposeId } from './compose-id.js';
import { fileNameOf } from './location.js';
import { checkUrl, type HostPolicy } from '../net/host-policy.js';
import { parseImageFileName } from './image-file.js';
import { plannedImage } from './planned-image.js';
import { EC2_ARCHITECTURES } from './select.js';
import type { ComposePlan, DiscoveryOptions, DiscoveryRequest } from './types.js';

/** Plans one image given by its URL: its sha256 from the input or the CHECKSUM file beside it. */
export async function discoverImageUrl(
  request: Extract<DiscoveryRequest, { kind: 'image' }>,
  { policy, selection }: DiscoveryOptions,
): Promise<ComposePlan> {
  const url = checkUrl(request.url, policy, 'image URL');
  const file = fileNameOf(url, 'image URL');
  if (!file.endsWith('.raw.xz')) {
    throw new ComposeError(`The image URL ${url.href} does not name a .raw.xz file.`, {
      hint: 'fedimg imports the raw.xz AWS image (Fedora-Cloud-Base-AmazonEC2-*.raw.xz).',
    });
  }
  const parsed = parseImageFileName(file);
  const arch =
    parsed?.arch ?? (selection.architectures.length === 1 ? selection.architectures[0] : undefined);
  if (!arch || !(arch in EC2_ARCHITECTURES)) {
    throw new ComposeError(`Cannot tell the architecture of ${file}.`, {
      hint: 'Set the architectures input to the one architecture of this image (x86_64 or aarch64).',
    });
  }
  const notes: string[] = [];
  let sha256 = request.sha256?.toLowerCase();
  let size: number | undefined;
  const { checksums, unread } = await checksumsForDirectory(new URL('./', url), policy);
  const entry = checksums?.get(file);
  if (entry) {
    if (sha256 && sha256 !== entry.sha256) {
      throw new ComposeError(
        `The given sha256 of ${file} does not match the CHECKSUM file beside it (${entry.sha256}).`,
        {
          hint: 'Check which image you meant; nothing was started.',
        },
      );
    }
    sha256 = entry.sha256;
    size = entry.size;
  }
  if (!sha256) {
    const beside = unread
      ? `the CHECKSUM files beside it could not be read (${unread})`
      : 'no CHECKSUM file beside it lists it';
    throw new ComposeError(`No sha256 for ${url.href}: none was given, and ${beside}.`, {
      hint: 'Pass image-sha256 (the sha256 of the .raw.xz file).',
    });
  }
  size ??= await contentLength(url, policy);
  const composeId = request.composeId ? parseComposeId(request.composeId) : undefined;
  const version = parsed?.release ?? composeId?.version ?? '';
  const rel = parsed?.version ?? '';
  const fromFile = /^(?<date>\d{8})(?:\.(?<type>n|t|ci|d))?\.(?<respin>\d+)$/.exec(rel)?.groups;
  const compose: ComposeId = composeId ?? {
    id: '',
    short: 'Fedora',
    version,
    releaseType: undefined,
    date: fromFile?.date ?? '',
    type: fromFile?.type
      ? ({ n: 'nightly', t: 'test', ci: 'ci', d: 'development' } as const)[fromFile.type as 'n']
      : 'production',
    respin: Number(fromFile?.respin ?? 0),
  };
  // A released image's name carries its label version (…-41-1.4, …-41_Beta-1.2): keep it so names
  // can be rebuilt.
  const label = !fromFile && /^\d+\.\d+$/.test(rel) ? `${parsed?.milestone ?? 'RC'}-${rel}` : '';
  const image = plannedImage(
    url,
    arch,
    size,
    sha256,
    compose,
    { release: version, label, subvariant: selection.subvariants[0] ?? 'Cloud_Base', variant: 'Cloud' },
    policy,
  );
  return {
    source: 'image-url',
    composeId: compose.id,
    status: 'FINISHED',
    skipped: false,
    reason: undefined,
    location: undefined,
    images: [image],
    notes,
  };
}

async function contentLength(url: URL, policy: HostPolicy): Promise<number> {
  const hint = 'Check that the image URL is right and reachable.';
  let response: HttpResponse;
  try {
    ({ response } = await fetchAllowed(url, policy, { method: 'HEAD', signal: AbortSignal.timeout(60_000) }));
  } catch (error) {
    // fedimg's own refusals (a redirect off the allow-list) say what they are already.
    if (error instanceof FedimgError) throw error;
    throw new ComposeError(`Cannot learn the size of ${url.href}: ${describeError(error)}.`, { hint });
  }
  response.discard();
  const length = Number(response.headers.get('content-length'));
  if (!response.ok || !Number.isSafeInteger(length) || length <= 0) {
    throw new ComposeError(`Cannot learn the size of ${url.href} (HTTP ${response.status}).`, { hint });
  }
  return length;
}
