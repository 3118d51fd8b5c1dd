/**
 * How a boot-test instance reports its verdict: the user-data runs the test command once cloud-init
 * is done and writes one marker line with a per-run token and the exit code to the serial console,
 * which GetConsoleOutput returns. The token makes stale or spoofed lines from another run useless.
 */
export const BOOT_TEST_MARKER = 'fedimg-boot-test';

export function bootTestUserData(command: string, token: string): string {
  if (!/^[A-Za-z0-9-]{8,64}$/.test(token))
    throw new Error('boot-test token must be 8-64 letters, digits or dashes');
  return [
    '#!/bin/bash',
    `# ${BOOT_TEST_MARKER} token=${token}`,
    'cloud-init status --wait >/dev/null 2>&1 || true',
    `( ${command} ) >/var/log/${BOOT_TEST_MARKER}.log 2>&1`,
    'code=$?',
    `echo "${BOOT_TEST_MARKER} ${token} exit=$code" | tee /dev/console /dev/ttyS0 /dev/ttyAMA0 >/dev/kmsg 2>/dev/null`,
    '',
  ].join('\n');
}

/** The token a user-data script carries, if it follows this contract. */
export function bootTestToken(userData: string): string | undefined {
  return new RegExp(`^# ${BOOT_TEST_MARKER} token=([A-Za-z0-9-]+)$`, 'm').exec(userData)?.[1];
}

/** The exit code reported for `token` in console output, if the marker is there. */
export function bootTestExitCode(consoleOutput: string, token: string): number | undefined {
  const match = new RegExp(`${BOOT_TEST_MARKER} ${token} exit=(\\d+)`).exec(consoleOutput);
  return match ? Number(match[1]) : undefined;
}
