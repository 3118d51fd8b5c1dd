/**
 * The commercial AWS regions (partition aws), with whether they need opting in. Regions that need it
 * answer AuthFailure until enabled, as in a real account. Fedora's account has five opt-in regions
 * enabled (they appear in its publish messages); the emulator starts the same way.
 */
export const COMMERCIAL_REGIONS: ReadonlyArray<{ name: string; optIn: boolean }> = [
  { name: 'us-east-1', optIn: false },
  { name: 'us-east-2', optIn: false },
  { name: 'us-west-1', optIn: false },
  { name: 'us-west-2', optIn: false },
  { name: 'af-south-1', optIn: true },
  { name: 'ap-east-1', optIn: true },
  { name: 'ap-east-2', optIn: true },
  { name: 'ap-south-1', optIn: false },
  { name: 'ap-south-2', optIn: true },
  { name: 'ap-northeast-1', optIn: false },
  { name: 'ap-northeast-2', optIn: false },
  { name: 'ap-northeast-3', optIn: false },
  { name: 'ap-southeast-1', optIn: false },
  { name: 'ap-southeast-2', optIn: false },
  { name: 'ap-southeast-3', optIn: true },
  { name: 'ap-southeast-4', optIn: true },
  { name: 'ap-southeast-5', optIn: true },
  { name: 'ap-southeast-6', optIn: true },
  { name: 'ap-southeast-7', optIn: true },
  { name: 'ca-central-1', optIn: false },
  { name: 'ca-west-1', optIn: true },
  { name: 'eu-central-1', optIn: false },
  { name: 'eu-central-2', optIn: true },
  { name: 'eu-west-1', optIn: false },
  { name: 'eu-west-2', optIn: false },
  { name: 'eu-west-3', optIn: false },
  { name: 'eu-south-1', optIn: true },
  { name: 'eu-south-2', optIn: true },
  { name: 'eu-north-1', optIn: false },
  { name: 'il-central-1', optIn: true },
  { name: 'me-south-1', optIn: true },
  { name: 'me-central-1', optIn: true },
  { name: 'mx-central-1', optIn: true },
  { name: 'sa-east-1', optIn: false },
];

export const INITIALLY_OPTED_IN = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-southeast-3',
  'eu-south-1',
  'me-south-1',
]);
