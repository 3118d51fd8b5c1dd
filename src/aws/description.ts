/**
 * The longest description fedimg gives what it creates: StartSnapshot, RegisterImage and CopyImage
 * take at most 255 characters (EBS direct and EC2 API References); CopySnapshot's and
 * ImportSnapshot's pages give no limit, and the same bound serves them.
 */
export const MAX_DESCRIPTION = 255;

/**
 * A description within that bound, cut with "..." where it would run over (only a file name and a
 * compose ID near the longest a plan entry allows do). Descriptions are for people; the tags carry
 * the facts fedimg reads back.
 */
export function awsDescription(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 3)}...`;
}
