import { SCENARIOS } from './scenarios.js';
import { reliabilitySuite } from './suite.js';

// Account states (block public access, quotas, encryption, regions) and bad input.
reliabilitySuite(
  'account-and-input',
  SCENARIOS.filter((scenario) => scenario.group !== 'fault'),
);
