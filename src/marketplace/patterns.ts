/**
 * AWS's patterns for AmiSource.UserName, AmiSource.AccessRoleArn and RecommendedInstanceType (the
 * AmiProduct_1_0 change-type shapes AWS publishes in
 * awslabs/aws-marketplace-catalog-api-shapes-for-python). The role must be in the aws partition.
 */
export const USER_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/;
export const ACCESS_ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-_/]+$/;
export const INSTANCE_TYPE = /^[a-z]+[0-9]+[a-z]*\.[0-9]*[a-z]+$/;
