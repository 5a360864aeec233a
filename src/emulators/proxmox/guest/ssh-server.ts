// The SSH server of guests booted with Proxmox's cloud-init drive (ssh2's Server): it
// listens on the guest's address, lets in only the `ciuser` with a key from `sshkeys`
// (public-key authentication with a checked signature, as sshd does) and hands each
// exec request to the guest. It is not a shell: the guest answers the commands the
// Proxmox provider sends (ssh-commands.ts) and nothing else. Each VM keeps its host key
// across restarts, as a real disk would; it is dropped when the VM is destroyed.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';

export interface GuestCommandResult {
  code: number;
  stdout?: string;
  stderr?: string;
}

/** Runs one exec request; stdin is what the client sent before closing its side. */
export type GuestCommandRunner = (command: string, stdin: Buffer) => Promise<GuestCommandResult>;

export interface GuestSshLogin {
  user: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA… comment`). */
  authorizedKeys: readonly string[];
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function parsedKeys(lines: readonly string[]): ssh2.ParsedKey[] {
  const keys: ssh2.ParsedKey[] = [];
  for (const line of lines) {
    const key = ssh2.utils.parseKey(line);
    if (!(key instanceof Error)) keys.push(key);
  }
  return keys;
}

function authenticate(ctx: ssh2.AuthContext, login: GuestSshLogin, keys: ssh2.ParsedKey[]): void {
  if (ctx.method !== 'publickey' || ctx.username !== login.user) {
    ctx.reject(['publickey']);
    return;
  }
  const key = keys.find(
    (k) => k.type === ctx.key.algo && sameBytes(k.getPublicSSH(), ctx.key.data),
  );
  if (!key) {
    ctx.reject(['publickey']);
    return;
  }
  // Without a signature the client only asks whether the key would do.
  if (
    ctx.signature &&
    key.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo) !== true
  ) {
    ctx.reject(['publickey']);
    return;
  }
  ctx.accept();
}

function serveExec(channel: ssh2.ServerChannel, command: string, run: GuestCommandRunner): void {
  const stdin: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => stdin.push(chunk));
  channel.once('end', () => {
    run(command, Buffer.concat(stdin))
      .catch((err: unknown): GuestCommandResult => ({
        code: 1,
        stderr: `${(err as Error).message}\n`,
      }))
      .then((result) => {
        if (result.stdout) channel.write(result.stdout);
        if (result.stderr) channel.stderr.write(result.stderr);
        channel.exit(result.code);
        channel.end();
      })
      .catch(() => undefined); // the client went away
  });
}

/**
 * Listen on `address:port`. An address still held by a server that is closing (the same
 * guest's previous boot) is tried again for a few seconds, as sshd restarted by systemd
 * would be; any other failure is the answer at once.
 */
async function listenWithRetry(
  server: ssh2.Server,
  address: string,
  port: number,
  retryForMs = 10_000,
): Promise<string | undefined> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const onError = (err: NodeJS.ErrnoException) => resolve(err);
      server.once('error', onError);
      server.listen(port, address, () => {
        server.off('error', onError);
        resolve(undefined);
      });
    });
    if (failure === undefined) return undefined;
    if (failure.code !== 'EADDRINUSE' || Date.now() >= deadline) {
      return `sshd: cannot listen on ${address}:${port}: ${failure.message}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One SSH server per running guest, by VMID. */
export class GuestSshServers {
  readonly #servers = new Map<number, { server: ssh2.Server; clients: Set<ssh2.Connection> }>();
  readonly #hostKeys = new Map<number, string>();

  /** Listen on `address:port` for the guest; resolves with a problem text when it cannot. */
  async open(
    vmid: number,
    address: string,
    port: number,
    login: GuestSshLogin,
    run: GuestCommandRunner,
  ): Promise<string | undefined> {
    await this.close(vmid);
    let hostKey = this.#hostKeys.get(vmid);
    if (hostKey === undefined) {
      hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
      this.#hostKeys.set(vmid, hostKey);
    }
    const keys = parsedKeys(login.authorizedKeys);
    const clients = new Set<ssh2.Connection>();
    const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
      clients.add(client);
      client.on('close', () => clients.delete(client));
      client.on('error', () => undefined); // a client that drops the connection
      client.on('authentication', (ctx) => authenticate(ctx, login, keys));
      client.on('ready', () => {
        client.on('session', (accept) => {
          const session = accept();
          session.on('exec', (acceptExec, _reject, info) => {
            serveExec(acceptExec(), info.command, run);
          });
        });
      });
    });
    // Registered before it listens, so a close() (the VM stopping) or another open()
    // (a reboot) that comes while it is still binding finds it and takes it down.
    const entry = { server, clients };
    this.#servers.set(vmid, entry);
    const problem = await listenWithRetry(server, address, port);
    if (this.#servers.get(vmid) !== entry) {
      // Closed (or replaced) while binding: this server must not keep the address.
      if (problem === undefined)
        await new Promise<void>((resolve) => server.close(() => resolve()));
      return undefined;
    }
    if (problem !== undefined) this.#servers.delete(vmid);
    return problem;
  }

  /** The guest stopped: its server and connections go. */
  async close(vmid: number): Promise<void> {
    const entry = this.#servers.get(vmid);
    if (!entry) return;
    this.#servers.delete(vmid);
    for (const client of entry.clients) client.end();
    await new Promise<void>((resolve) => entry.server.close(() => resolve()));
  }

  /** The VM is gone: so is its host key. */
  async destroyed(vmid: number): Promise<void> {
    await this.close(vmid);
    this.#hostKeys.delete(vmid);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#servers.keys()].map((vmid) => this.close(vmid)));
  }
}
