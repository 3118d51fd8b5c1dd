import { accountOperations } from './account.js';
import type { Operations } from './common.js';
import { copyImageOperations } from './copy-image.js';
import { imageAttributeOperations } from './image-attributes.js';
import { imageOperations } from './images.js';
import { importTaskOperations } from './import-tasks.js';
import { instanceOperations } from './instances.js';
import { networkOperations } from './network.js';
import { snapshotOperations } from './snapshots.js';

export type { Ec2Context } from './common.js';
export { newSnapshot } from './snapshots.js';

/** Every EC2 action the emulator answers, by its name on the wire, one module per resource. */
export const ec2Operations: Operations = {
  ...accountOperations,
  ...snapshotOperations,
  ...importTaskOperations,
  ...imageOperations,
  ...imageAttributeOperations,
  ...copyImageOperations,
  ...instanceOperations,
  ...networkOperations,
};
