/**
 * The DetailsDocument of each change type the emulator takes, as AWS publishes it: the
 * AmiProduct_1_0 change-type shapes of awslabs/aws-marketplace-catalog-api-shapes-for-python
 * (generated from AWS's OpenAPI document 1.0 of the change types; read at commit e2fef22):
 * AddDeliveryOptionsChangeDetail, AddVersion, AddDeliveryOption, AddAmiDeliveryOptionDetails,
 * AmiSource, SecurityGroup and RestrictDeliveryOptionsChangeDetail. Every limit and pattern below
 * is theirs.
 *
 * Where a violation surfaces is not in AWS's documents: StartChangeSet documents a
 * ValidationException ("An error occurred during validation", HTTP 422), and the AMI error table
 * lists INVALID_VERSION_TITLE and kin for a change set that runs. The emulator refuses a document
 * that breaks the shape at StartChangeSet, so nothing that AWS could not take is ever started.
 */
import { z } from 'zod';
import { validation } from './state.js';

// "^\S+[\S\s]*": the text starts with a non-blank character.
const text = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^\S+[\S\s]*/);
const port = z.number().int().min(1).max(65535);

const amiSource = z.object({
  AmiId: z.string().regex(/^ami-([a-zA-Z0-9]{8}|[a-zA-Z0-9]{17})$/),
  AccessRoleArn: z.string().regex(/^arn:aws:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-_/]+$/),
  UserName: z
    .string()
    .max(32)
    .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/),
  ScanningPort: port.optional(),
  OperatingSystemName: text(100),
  OperatingSystemVersion: text(100),
});

const securityGroup = z.object({
  FromPort: port,
  ToPort: port,
  IpProtocol: text(3),
  IpRanges: z.array(z.string()).min(1).max(5),
});

export const addDeliveryOptions = z.object({
  Version: z.object({ VersionTitle: text(64), ReleaseNotes: text(30000) }),
  DeliveryOptions: z
    .array(
      z.object({
        Details: z.object({
          AmiDeliveryOptionDetails: z.object({
            AmiSource: amiSource,
            UsageInstructions: text(4000),
            AccessEndpointUrl: z.object({}).passthrough().optional(),
            RecommendedInstanceType: z.string().regex(/^[a-z]+[0-9]+[a-z]*\.[0-9]*[a-z]+$/),
            SecurityGroups: z.array(securityGroup).min(1).max(25),
          }),
        }),
      }),
    )
    .min(1)
    .max(1),
});

export const restrictDeliveryOptions = z.object({
  DeliveryOptionIds: z.array(z.string().max(36)).min(1).max(50),
});

export type AddDeliveryOptionsDetail = z.infer<typeof addDeliveryOptions>;

/** The document, parsed by its change type's shape; a violation is AWS's ValidationException. */
export function shaped<T>(schema: z.ZodType<T>, changeType: string, document: unknown): T {
  const parsed = schema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw validation(
    `The DetailsDocument of ${changeType} does not match its schema: ${issue.path.join('.') || '(root)'}: ${issue.message}.`,
  );
}
