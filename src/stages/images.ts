import { amiName } from '../aws/naming.js';
import { discover } from '../compose/discover.js';
import type { ComposePlan, PlannedImage } from '../compose/types.js';
import { InputError } from '../errors.js';
import type { Settings } from '../settings/index.js';

/** The images a stage works on: one matrix entry handed down by the plan job, or a fresh discovery. */
export async function resolveImages(settings: Settings): Promise<ComposePlan> {
  if (settings.images.kind === 'discover') {
    return discover(settings.images.request, { policy: settings.policy, selection: settings.selection });
  }
  if (settings.images.kind === 'none') {
    throw new InputError(
      `Nothing to publish: the ${settings.stage} stage needs a compose, and no compose-payload, compose-location, compose-id, image-url or plan images (images, image) were given.`,
      {
        hint: "Pass the compose-status message as compose-payload, a compose location/ID, an image URL with its sha256, or the plan job's images output.",
      },
    );
  }
  // The plan is the contract: a stage after it takes its images and reads no compose metadata.
  const images = settings.images.images;
  return {
    source: 'plan',
    composeId: images[0]?.compose_id ?? '',
    status: 'FINISHED',
    skipped: false,
    reason: undefined,
    location: undefined,
    images,
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
  for (const image of plan.images) {
    const expected = defaultAmiName(image, settings);
    if (image.ami_name !== undefined && image.ami_name !== expected) {
      throw new InputError(
        `The plan named ${image.file}'s AMI ${image.ami_name}, but this job's settings name it ${expected}.`,
        {
          hint: 'Give every job of the run the same name-template and flavours (volume-types, config-file).',
        },
      );
    }
  }
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

/** The name the first (default) flavour's AMI of this image gets. */
export function defaultAmiName(image: PlannedImage, settings: Settings): string {
  return amiName(settings.nameTemplate, {
    image,
    flavour: settings.flavours[0]!,
    isDefaultFlavour: true,
    region: settings.baseRegion,
  });
}
