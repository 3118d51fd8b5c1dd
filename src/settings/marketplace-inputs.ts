/**
 * The marketplace stage's inputs (part of INPUTS in inputs.ts, kept here so that table stays short).
 * Imports nothing, so inputs.ts can include it without a cycle.
 */
export const MARKETPLACE_INPUTS = {
  'marketplace-products': {
    group: 'marketplace' as const,
    value: '<arch=prod-…,…>',
    help: 'the AMI product of each architecture that gets a new version (empty: nothing to do)',
  },
  'marketplace-access-role-arn': {
    group: 'marketplace' as const,
    value: '<arn>',
    help: 'the role AWS Marketplace assumes to copy and scan the AMI',
  },
  'marketplace-version-title': {
    group: 'marketplace' as const,
    value: '<template>',
    help: 'the version title ({release}, {compose_id}, {arch}, {label}; {milestone}: Beta for a Beta, empty for GA)',
    default: 'Fedora {release} {milestone}',
  },
  'marketplace-release-notes': {
    group: 'marketplace' as const,
    value: '<template>',
    help: 'the release notes (same placeholders)',
    default:
      'Fedora Linux {release} ({compose_id}): https://fedoramagazine.org/announcing-fedora-linux-{release}/',
  },
  'marketplace-os-name': {
    group: 'marketplace' as const,
    value: '<name>',
    help: 'AmiSource.OperatingSystemName (AWS writes these in capitals, e.g. AMAZONLINUX; it publishes no list)',
    default: 'FEDORA',
  },
  'marketplace-os-version': {
    group: 'marketplace' as const,
    value: '<template>',
    help: 'operating system version',
    default: '{release}',
  },
  'marketplace-user': {
    group: 'marketplace' as const,
    value: '<user>',
    help: 'the login user',
    default: 'fedora',
  },
  'marketplace-scanning-port': {
    group: 'marketplace' as const,
    value: '<port>',
    help: 'the port the scan connects to',
    default: '22',
  },
  'marketplace-instance-types': {
    group: 'marketplace' as const,
    value: '<arch=type,…>',
    help: 'RecommendedInstanceType per architecture (AWS requires one; an unnamed arch gets t3.medium or t4g.medium)',
    default: 'x86_64=t3.medium,aarch64=t4g.medium',
  },
  'marketplace-usage-instructions': {
    group: 'marketplace' as const,
    value: '<text>',
    help: 'how to use the AMI once launched',
    default:
      'Log in with SSH as the fedora user, with the key pair chosen at launch: ssh fedora@<public DNS name>',
  },
  'marketplace-include-beta': {
    group: 'marketplace' as const,
    value: '<bool>',
    help: 'also add versions for Beta composes (GA composes always)',
    default: 'false',
  },
  'marketplace-wait-minutes': {
    group: 'marketplace' as const,
    value: '<minutes>',
    help: 'how long a run waits for its change set (0–300); one still scanning is recorded as submitted and a later run reports how it ends',
    default: '30',
  },
  'marketplace-restrict-previous': {
    group: 'marketplace' as const,
    value: '<bool>',
    help: "restrict the product's earlier versions once the new one is added",
    default: 'false',
  },
};
