// How crash-writer.ts marks each object so crash.test.ts can tell whole from torn.
import { createHash } from 'node:crypto';

export const checksumAnnotation = 'crash-test.slipway.dev/sha256';

export function checksum(payload: string): string {
  return createHash('sha256').update(payload).digest('hex');
}
