import { EOL } from 'node:os';
import { triagePost } from './post-triage.js';

/*
 * action.yml runs this file as the main step and as the post step. Most post steps have nothing to
 * do and say so from here: the rest of fedimg, with the SDK clients, is a chunk of its own that
 * costs about 0.7 CPU-seconds to load (measured), loaded only for work. So this file reads the
 * environment as @actions/core would (STATE_<name>, INPUT_<NAME> trimmed) instead of loading it,
 * and writes the line as core.info does.
 */
const triage =
  process.env.STATE_isPost === 'true'
    ? triagePost((process.env.INPUT_STAGE ?? '').trim(), process.env.STATE_pending ?? '')
    : 'read-state';
if (triage === 'read-state') await (await import('./main.js')).entry();
else process.stdout.write(`${triage.nothingToDo}${EOL}`);
