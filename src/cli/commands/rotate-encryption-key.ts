// `slipway rotate-encryption-key`: offline rotation of the store's encryption key.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';

interface RotateOptions {
  dataDir?: string;
  keepOldKeys?: boolean;
}

export function registerRotateEncryptionKey(program: Command, ctx: CommandContext): void {
  program
    .command('rotate-encryption-key')
    .summary('re-encrypt stored secrets under a new key (server stopped)')
    .description(
      'Generate a new encryption key in DATA_DIR/encryption-keys.json, re-encrypt every\n' +
        'Secret (and its watch history) under it, then remove the old keys. Stop the server\n' +
        'first: a running server keeps the old key set in memory.',
    )
    .option('--data-dir <dir>', 'the data directory (default $SLIPWAY_DATA_DIR or ./.data)')
    .option('--keep-old-keys', 'keep the old keys in the key file for decryption')
    .action(async (options: RotateOptions) => {
      const dataDir = resolve(options.dataDir ?? (ctx.io.env['SLIPWAY_DATA_DIR'] || '.data'));
      // Loaded here so that client commands never load the store.
      const { rotateStoreEncryptionKey } =
        await import('../../operations/rotate-encryption-key.ts');
      const result = await rotateStoreEncryptionKey(dataDir, {
        prune: !options.keepOldKeys,
      });
      ctx.out(
        `new key ${result.newKeyId}: ${result.reencrypted} rows re-encrypted` +
          (result.pruned.length ? `, removed old key(s) ${result.pruned.join(', ')}` : '') +
          '\n',
      );
    });
}
