import type { Log } from './log.js';

/**
 * The oldest Node major the CLI supports. Node 20 left maintenance in April 2026 and the AWS SDK's
 * releases after the first week of January 2027 require Node 22; the action itself runs on node24.
 */
export const OLDEST_SUPPORTED_NODE_MAJOR = 22;

/** The notice for a Node too old for the supported range, or undefined when it is in range. */
export function unsupportedNodeNotice(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isInteger(major) || major >= OLDEST_SUPPORTED_NODE_MAJOR) return undefined;
  return (
    `Node ${version} is past its end of life and outside fedimg's supported range ` +
    `(Node ${OLDEST_SUPPORTED_NODE_MAJOR} or newer); this run continues, but upgrade Node ` +
    'before the AWS SDK stops supporting it.'
  );
}

let noticeShown = false;

/**
 * Says once per process, in one line, that this Node is outside the supported range. The AWS SDK's
 * own multi-line NodeVersionSupportWarning says the same thing, so it is switched off here.
 */
export function noteUnsupportedNode(log: Log, version = process.version): void {
  const notice = unsupportedNodeNotice(version);
  if (notice === undefined || noticeShown) return;
  noticeShown = true;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  log.notice(notice, 'fedimg');
}
