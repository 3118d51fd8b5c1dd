/**
 * The documented policies' statements by Sid, which doctor names when a permission is missing. A
 * unit test holds this table to docs/iam-policy*.json: every Sid here exists there, and every Allow
 * statement there (doctor's own reads aside) is checked by doctor.
 */
export const POLICY_FILE = {
  default: 'docs/iam-policy.json',
  importSnapshot: 'docs/iam-policy-import-snapshot.json',
  encrypted: 'docs/iam-policy-encrypted.json',
} as const;

export interface DocumentedStatement {
  file: (typeof POLICY_FILE)[keyof typeof POLICY_FILE];
  sid: string;
}

const statement = (file: keyof typeof POLICY_FILE, sid: string): DocumentedStatement => ({
  file: POLICY_FILE[file],
  sid,
});

export const STATEMENT = {
  read: statement('default', 'ReadTheAccount'),
  startSnapshot: statement('default', 'StartSnapshotsOnlyTaggedFedimgWithoutParent'),
  writeSnapshot: statement('default', 'WriteOnlyFedimgSnapshots'),
  registerAndCopy: statement('default', 'RegisterAndCopyImagesTaggedFedimg'),
  registerFromFedimgSnapshots: statement('default', 'RegisterImagesFromFedimgSnapshotsOnly'),
  bootImages: statement('default', 'BootTestOnlyFedimgImages'),
  bootInstances: statement('default', 'BootTestInstancesOfTheConfiguredTypesTaggedFedimg'),
  bootNetwork: statement('default', 'BootTestInTheNetworkTaggedForIt'),
  bootInterface: statement('default', 'BootTestInterfaceAndRootVolume'),
  tagOnCreate: statement('default', 'TagOnCreateOnlyAsFedimg'),
  changeFedimg: statement('default', 'ChangeAndRemoveOnlyFedimgResources'),
  tagFedimg: statement('default', 'TagOnlyFedimgResourcesWithFedimgKeys'),
  marketplaceStart: statement('default', 'MarketplaceNewAndRestrictedVersionsOfTheProductsOnly'),
  marketplaceRead: statement('default', 'MarketplaceReadTheProductsAndTheirChangeSets'),
  marketplaceList: statement('default', 'MarketplaceListChangeSetsHasNoResourceLevel'),
  marketplacePassRole: statement('default', 'MarketplacePassOnlyTheAccessRoleToMarketplace'),
  importRead: statement('importSnapshot', 'ReadImportTasks'),
  importStart: statement('importSnapshot', 'ImportOnlyIntoTasksAndSnapshotsTaggedFedimg'),
  importTag: statement('importSnapshot', 'TagImportTasksOnlyOnCreate'),
  importCancel: statement('importSnapshot', 'CancelOnlyFedimgImportTasks'),
  importAdopt: statement('importSnapshot', 'AdoptTheSnapshotAnImportCreated'),
  importStage: statement('importSnapshot', 'StageRawDisksInTheConfiguredBucketOnly'),
  encryptedCopy: statement('encrypted', 'EncryptedFlavoursCopyTheSnapshotIntoAnEncryptedCopyTaggedFedimg'),
  encryptedTag: statement('encrypted', 'EncryptedFlavoursTagTheCopyOnCreate'),
  encryptedKey: statement('encrypted', 'EncryptedFlavoursWithTheConfiguredKeyThroughEc2Only'),
} as const;

/** Doctor's own reads: it uses them directly, and says so when one is missing. */
export const DOCTOR_STATEMENTS = ['DoctorReadsTheRoles', 'DoctorReadsTheNetworkAndSnapshotSharing'];

/** The reads doctor makes itself, by the documented statement that grants each. */
const READS: Record<string, DocumentedStatement> = {
  'ec2:DescribeRegions': STATEMENT.read,
  'ec2:DescribeImages': STATEMENT.read,
  'ec2:GetImageBlockPublicAccessState': STATEMENT.read,
  'ec2:GetEbsEncryptionByDefault': STATEMENT.read,
  'ec2:DescribeVpcs': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
  'ec2:DescribeSubnets': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
  'ec2:DescribeSecurityGroups': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
  'ec2:GetSnapshotBlockPublicAccessState': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
  'iam:GetRole': statement('default', 'DoctorReadsTheRoles'),
  'iam:ListAttachedRolePolicies': statement('default', 'DoctorReadsTheRoles'),
  'iam:SimulatePrincipalPolicy': statement('default', 'DoctorReadsTheRoles'),
};

/** The documented statement that grants one of doctor's own reads. */
export const statementForRead = (action: string): DocumentedStatement | undefined => READS[action];

export const describeStatement = (documented: DocumentedStatement) =>
  `the ${documented.sid} statement of ${documented.file}`;
