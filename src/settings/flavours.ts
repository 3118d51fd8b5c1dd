import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { Ec2Architecture } from '../compose/select.js';
import { InputError } from '../errors.js';

export const VOLUME_TYPES = ['gp3', 'gp2', 'standard', 'io1', 'io2'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];
export type BootMode = 'legacy-bios' | 'uefi' | 'uefi-preferred';

/** One kind of AMI registered from an image's snapshot. */
export interface Flavour {
  name: string;
  volumeType: VolumeType;
  /** Undefined: uefi-preferred on x86_64, uefi on arm64. */
  bootMode: BootMode | undefined;
  ena: boolean;
  sriovNetSupport: boolean;
  imdsV2: boolean;
  tpm: boolean;
  rootDeviceName: string;
  /** GiB; undefined means the snapshot's size. */
  volumeSize: number | undefined;
  iops: number | undefined;
  /** Set for encrypted flavours: registered from an encrypted copy, never made public. */
  kmsKeyId: string | undefined;
}

export function bootModeFor(flavour: Flavour, arch: Ec2Architecture): BootMode {
  return flavour.bootMode ?? (arch === 'arm64' ? 'uefi' : 'uefi-preferred');
}

const RETIRED = 'AWS retired it for new images: only HVM, EBS-backed AMIs can be registered today.';

const flavourSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes'),
    'volume-type': z.enum(VOLUME_TYPES).default('gp3'),
    'boot-mode': z.enum(['legacy-bios', 'uefi', 'uefi-preferred']).optional(),
    ena: z.boolean().default(true),
    'sriov-net-support': z.boolean().default(true),
    'imds-v2': z.boolean().default(true),
    tpm: z.boolean().default(false),
    'root-device-name': z
      .string()
      .regex(/^\/dev\/[a-z0-9]+$/)
      .default('/dev/sda1'),
    'volume-size': z.number().int().min(1).max(16384).optional(),
    iops: z.number().int().min(100).max(256000).optional(),
    encrypted: z.strictObject({ 'kms-key-id': z.string().min(1).max(2048) }).optional(),
    virtualization: z
      .string()
      .optional()
      .refine(
        (value) => value === undefined || value === 'hvm',
        `paravirtual flavours are refused: ${RETIRED}`,
      ),
    storage: z
      .string()
      .optional()
      .refine(
        (value) => value === undefined || value === 'ebs',
        `instance-store flavours are refused: ${RETIRED}`,
      ),
  })
  .refine(
    (flavour) => !flavour.tpm || flavour['boot-mode'] !== 'legacy-bios',
    'TPM 2.0 needs the uefi or uefi-preferred boot mode',
  )
  .refine(
    (flavour) =>
      !flavour.iops ||
      flavour['volume-type'] === 'io1' ||
      flavour['volume-type'] === 'io2' ||
      flavour['volume-type'] === 'gp3',
    'iops is for io1, io2 and gp3',
  );

const configSchema = z.strictObject({
  flavours: z.array(flavourSchema).min(1).max(16),
  'name-template': z.string().min(1).max(256).optional(),
});

export interface FlavourConfig {
  flavours: Flavour[];
  nameTemplate: string | undefined;
}

function toFlavour(raw: z.infer<typeof flavourSchema>): Flavour {
  return {
    name: raw.name,
    volumeType: raw['volume-type'],
    bootMode: raw['boot-mode'],
    ena: raw.ena,
    sriovNetSupport: raw['sriov-net-support'],
    imdsV2: raw['imds-v2'],
    tpm: raw.tpm,
    rootDeviceName: raw['root-device-name'],
    volumeSize: raw['volume-size'],
    iops: raw.iops,
    kmsKeyId: raw.encrypted?.['kms-key-id'],
  };
}

/** Parses a flavour configuration (YAML or JSON; JSON is YAML) and validates it strictly. */
export function parseFlavourConfig(text: string, source: string): FlavourConfig {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new InputError(`${source} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
      .join('; ');
    throw new InputError(`${source} is invalid: ${problems}.`, {
      hint: 'See the flavour configuration in docs/stages.md (Flavours); unknown keys are refused so that typos do not go unnoticed.',
    });
  }
  const names = result.data.flavours.map((flavour) => flavour.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new InputError(`${source} defines flavour "${duplicate}" twice.`);
  return { flavours: result.data.flavours.map(toFlavour), nameTemplate: result.data['name-template'] };
}

export function readFlavourConfig(path: string): FlavourConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read the config file ${path}: ${(error as Error).message}.`);
  }
  return parseFlavourConfig(text, path);
}

/** Flavours from the simple inputs: one per volume type, the first being the default. */
export function flavoursFromInputs(
  volumeTypes: string[],
  options: { imdsV2: boolean; tpm: boolean; bootMode: BootMode | undefined; kmsKeyId: string | undefined },
): Flavour[] {
  const flavours: Flavour[] = volumeTypes.map((type) => {
    if (!(VOLUME_TYPES as readonly string[]).includes(type)) {
      throw new InputError(`Volume type "${type}" is not supported.`, {
        hint: `Use ${VOLUME_TYPES.join(', ')}.`,
      });
    }
    return {
      name: type,
      volumeType: type as VolumeType,
      bootMode: options.bootMode,
      ena: true,
      sriovNetSupport: true,
      imdsV2: options.imdsV2,
      tpm: options.tpm,
      rootDeviceName: '/dev/sda1',
      volumeSize: undefined,
      iops: undefined,
      kmsKeyId: undefined,
    };
  });
  if (options.tpm && options.bootMode === 'legacy-bios')
    throw new InputError('TPM 2.0 needs the uefi or uefi-preferred boot mode.');
  if (options.kmsKeyId)
    flavours.push({ ...flavours[0]!, name: `${flavours[0]!.name}-encrypted`, kmsKeyId: options.kmsKeyId });
  return flavours;
}
