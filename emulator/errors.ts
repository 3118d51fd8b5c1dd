/** An error answered the way the AWS service answers it: its real code and HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const notFound = (code: string, id: string, what: string) =>
  new AwsError(code, `The ${what} '${id}' does not exist`, 400);
