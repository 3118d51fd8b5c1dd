import type { Instance } from './state.js';

/**
 * The boot-test contract as a program on the instance would read it: user-data carrying the line
 * `# fedimg-boot-test token=<token>` runs a test command and prints `fedimg-boot-test <token>
 * exit=<code>` on the serial console. The emulator keeps its own reading of the contract (it does
 * not import fedimg's), so a change on fedimg's side that breaks it fails the conformance test.
 */
const BOOT_TEST_MARKER = 'fedimg-boot-test';

function bootTestToken(userData: string): string | undefined {
  return new RegExp(`^# ${BOOT_TEST_MARKER} token=([A-Za-z0-9-]+)$`, 'm').exec(userData)?.[1];
}

/**
 * What an instance's serial console shows. The emulator never runs user-data: when it follows the
 * boot-test contract, the console carries the verdict the image's boot setting dictates.
 */
export function bootConsoleLines(instance: Instance, now: number): string[] {
  if (instance.boot === 'no-boot')
    return ['SeaBIOS (version 1.11.0-2.amzn2)', 'Booting from Hard Disk...', 'error: no such device: root.'];
  const lines = [
    '[    0.000000] Linux version 6.17.1-300.fc43.x86_64 (mockbuild@fedoraproject.org)',
    '[    1.234567] systemd[1]: Detected virtualization amazon.',
    '[    4.567890] cloud-init[812]: Cloud-init v. 25.1 running',
  ];
  const token = bootTestToken(instance.userData);
  if (token && now >= instance.statusOkAt) {
    if (instance.boot === 'pass') lines.push(`${BOOT_TEST_MARKER} ${token} exit=0`);
    if (instance.boot === 'fail') lines.push(`${BOOT_TEST_MARKER} ${token} exit=1`);
    // 'hang': the command never finishes, so no marker ever appears
  }
  return lines;
}
