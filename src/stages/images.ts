import { amiName } from '../aws/naming.js';
import { discover } from '../compose/discover.js';
import type { ComposePlan } from '../compose/types.js';
import { InputError } from '../errors.js';
import type { Settings } from '../settings/index.js';

/** The images a stage works on: one matrix entry handed down by the plan job, or a fresh discovery. */
export async function resolveImages(settings: Settings): Promise<ComposePlan> {
  if (settings.images.kind === 'discover') {
    return discover(settings.images.request, { policy: settings.policy, selection: settings.selection });
  }
  if (settings.images.kind === 'none') {
    throw new InputError(
      `Stage ${settings.stage} needs a compose: give compose-payload, compose-location, compose-id, image-url or image.`,
    );
  }
  const image = settings.images.image;
  return {
    source: 'image-url',
    composeId: image.compose_id,
    status: 'FINISHED',
    skipped: false,
    reason: undefined,
    location: undefined,
    images: [image],
    notes: [],
  };
}

/** Every AMI name the run will use, checked (valid and distinct) before anything is uploaded. */
export function plannedNames(plan: ComposePlan, settings: Settings): string[] {
  const names = plan.images.flatMap((image) =>
    settings.flavours.map((flavour, index) =>
      amiName(settings.nameTemplate, {
        image,
        flavour,
        isDefaultFlavour: index === 0,
        region: settings.baseRegion,
      }),
    ),
  );
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) {
    throw new InputError(
      `name-template ${settings.nameTemplate} gives two AMIs the same name, ${duplicate}.`,
      {
        hint: 'Include {arch} (and {flavour} for several flavours) in the template.',
      },
    );
  }
  return names;
}
