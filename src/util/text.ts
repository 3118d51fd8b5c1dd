/** Untrusted text cut to a length a message can hold, with anything but printable ASCII as `?`. */
export function truncateForMessage(value: string, max = 80): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}
