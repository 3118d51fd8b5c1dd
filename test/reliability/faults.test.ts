import { SCENARIOS } from './scenarios.js';
import { reliabilitySuite } from './suite.js';

// Faults: throttling, 5xx, resets, hangs, eventual consistency, failed tasks, kills, two runs at once.
reliabilitySuite(
  'faults',
  SCENARIOS.filter((scenario) => scenario.group === 'fault'),
);
