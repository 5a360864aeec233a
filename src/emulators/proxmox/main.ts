// `npm run proxmox-emulator -- --port 8006 [--host 127.0.0.1]`: run an emulator until
// interrupted, and print how to reach it (URL, API token, certificate fingerprint) and a
// Secret + Credential to apply.
import { Command, InvalidArgumentError } from 'commander';
import { credentialExample } from './credential-example.ts';
import { startProxmoxEmulator } from './emulator.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port from 0 to 65535');
  return n;
}

const program = new Command('proxmox-emulator')
  .description('A Proxmox VE API emulator for trying Slipway without a Proxmox cluster')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0: any free one)', port, 8006)
  .option(
    '--dhcp-range <range>',
    'addresses for guests without a static address, e.g. 127.0.20.10-127.0.20.250',
  )
  .option('--guest-api-port <port>', 'port the guests K3s servers listen on', port, 6443)
  .option('--token-secret <uuid>', 'secret of the root@pam!slipway token (default: random)')
  .action(
    async (opts: {
      host: string;
      port: number;
      dhcpRange?: string;
      guestApiPort: number;
      tokenSecret?: string;
    }) => {
      const emulator = await startProxmoxEmulator({
        host: opts.host,
        port: opts.port,
        guestApiPort: opts.guestApiPort,
        // A real PVE delays failed logins by 3 s.
        timing: { authFailDelayMs: 3000 },
        ...(opts.dhcpRange ? { guestAddresses: { dhcpRange: opts.dhcpRange } } : {}),
        ...(opts.tokenSecret
          ? { tokens: [{ tokenId: 'root@pam!slipway', secret: opts.tokenSecret }] }
          : {}),
      });
      const { tokenId, secret } = emulator.token;
      process.stdout.write(
        [
          `Proxmox VE emulator listening on ${emulator.url} (API: ${emulator.url}/api2/json)`,
          `API token id:     ${tokenId}`,
          `API token secret: ${secret}`,
          `TLS fingerprint:  ${emulator.fingerprint}`,
          '',
          'Try it:',
          `  curl -k -H 'Authorization: PVEAPIToken=${tokenId}=${secret}' ${emulator.url}/api2/json/nodes`,
          '',
          'Point Slipway at it (slipway apply -f -):',
          credentialExample({
            url: emulator.url,
            tokenId,
            secret,
            fingerprint: emulator.fingerprint,
          }),
        ].join('\n'),
      );
      const shutdown = () => {
        process.stdout.write('\nstopping the emulator\n');
        emulator.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`proxmox-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
