/** The one account the emulator holds, and the EBS block size every snapshot is made of. */
export const ACCOUNT_ID = '123456789012';
export const BLOCK_SIZE = 524288;
