/**
 * A KMS key named for the region that uses it. A key must exist in that region (EC2 API Reference,
 * CopyImage, KmsKeyId: "The specified KMS key must exist in the destination Region"). A key ID or an
 * alias names the key of whichever region it is used in; an ARN names one region, so it is given
 * the region of its use instead: a multi-Region key's replicas share its ID, and an alias of the same
 * name can be made in every region.
 */
export function keyInRegion(keyId: string, region: string): string {
  return keyId.replace(/^(arn:[a-z-]+:kms:)[a-z0-9-]+(:\d{12}:(?:key|alias)\/)/, `$1${region}$2`);
}
