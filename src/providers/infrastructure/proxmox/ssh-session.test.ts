// The SSH client and the bootstrap session against an ssh2 server started by the test on
// 127.0.71.1: exec with stdin, exit codes and stderr; a refused key; trust on first use
// of the host key, a changed host key refused, forgotten with the machine.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import ssh2 from 'ssh2';
import type { MachineContext } from './context.ts';
import type { FoundVM } from './find-vm.ts';
import { bootstrapCommands, SshBootstrapper } from './ssh-bootstrap.ts';
import { openSshSession, SshConnectError } from './ssh-session.ts';

const host = '127.0.71.1';
const user = 'slipway';
const login = ssh2.utils.generateKeyPairSync('ed25519');
const stranger = ssh2.utils.generateKeyPairSync('ed25519');
const uid = '7c1d2e3f-0000-4000-8000-000000000071';

interface TestServer {
  port: number;
  commands: { command: string; stdin: string }[];
  close(): Promise<void>;
}

/** An ssh2 server that lets `user` in with `login`'s key and answers with `answer`. */
async function startServer(
  hostKey: string,
  answer: (command: string) => { code: number; stderr?: string },
  port = 0,
): Promise<TestServer> {
  const allowed = ssh2.utils.parseKey(login.public) as ssh2.ParsedKey;
  const commands: TestServer['commands'] = [];
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      const ok =
        ctx.method === 'publickey' &&
        ctx.username === user &&
        ctx.key.data.equals(allowed.getPublicSSH()) &&
        (!ctx.signature || allowed.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature) === true);
      if (ok) ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('session', (accept) => {
      accept().on('exec', (acceptExec, _reject, info) => {
        const channel = acceptExec();
        const chunks: Buffer[] = [];
        channel.on('data', (c: Buffer) => chunks.push(c));
        channel.once('end', () => {
          commands.push({ command: info.command, stdin: Buffer.concat(chunks).toString() });
          const result = answer(info.command);
          if (result.stderr) channel.stderr.write(result.stderr);
          channel.exit(result.code);
          channel.end();
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    async close() {
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const hostKey1 = ssh2.utils.generateKeyPairSync('ed25519').private;
const hostKey2 = ssh2.utils.generateKeyPairSync('ed25519').private;

describe('SSH session and bootstrap', () => {
  let server: TestServer;
  const marked = new Set<string>();
  const answer = (command: string) => {
    const c = bootstrapCommands(uid);
    if (command === c.check) return { code: marked.has(uid) ? 0 : 1 };
    if (command === c.upload) return { code: 0 };
    if (command === c.run) {
      marked.add(uid);
      return { code: 0 };
    }
    return { code: 3, stderr: 'line 1\nthe end\n' };
  };
  before(async () => {
    server = await startServer(hostKey1, answer);
  });
  after(async () => {
    await server.close();
  });

  test('exec feeds stdin and returns the exit code and stderr', async () => {
    const ssh = await openSshSession({
      host,
      port: server.port,
      username: user,
      privateKey: login.private,
      acceptHostKey: () => true,
      readyTimeoutMs: 5_000,
    });
    try {
      const result = await ssh.exec('echo', 'some input');
      assert.equal(result.code, 3);
      assert.equal(result.stderr, 'line 1\nthe end\n');
      assert.equal(server.commands.at(-1)?.stdin, 'some input');
    } finally {
      ssh.close();
    }
  });

  test('a key the server does not know is refused as auth', async () => {
    await assert.rejects(
      openSshSession({
        host,
        port: server.port,
        username: user,
        privateKey: stranger.private,
        acceptHostKey: () => true,
        readyTimeoutMs: 5_000,
      }),
      (err: unknown) => err instanceof SshConnectError && err.kind === 'auth',
    );
  });

  test('the bootstrap session trusts the first host key and refuses another one later', async () => {
    const ssh = new SshBootstrapper({ port: server.port, retryMs: 0, now: Date.now });
    const ctx = {
      request: {
        machineUID: uid,
        credential: { ref: 't/pve', config: {}, secret: { sshPrivateKey: login.private } },
        bootstrap: { userData: '#cloud-config\nhostname: w\n', metaData: '' },
      },
      settings: { ciUser: user },
    } as unknown as MachineContext;
    const vm = { vmid: 171 } as FoundVM;
    const settled = async () => {
      for (let i = 0; i < 200; i++) {
        const kind = ssh.run(uid, 171, host)?.state.kind;
        if (kind === 'done' || kind === 'failed' || kind === 'unreachable') return kind;
        await new Promise((r) => setTimeout(r, 10));
      }
      return 'stuck';
    };
    try {
      ssh.start(ctx, vm, host);
      assert.equal(await settled(), 'done');
      const sent = server.commands.slice(-3).map((c) => c.command);
      assert.deepEqual(sent, Object.values(bootstrapCommands(uid)));
      assert.equal(server.commands.at(-2)?.stdin, '#cloud-config\nhostname: w\n');

      // Done before: only the check runs.
      const before = server.commands.length;
      ssh.start(ctx, vm, host);
      assert.equal(await settled(), 'done');
      assert.equal(server.commands.length, before + 1);

      // Another host key at the same address: refused, not retryable.
      await server.close();
      server = await startServer(hostKey2, answer, server.port);
      ssh.start(ctx, vm, host);
      assert.equal(await settled(), 'failed');
      const state = ssh.run(uid, 171, host)?.state;
      assert.ok(state?.kind === 'failed');
      assert.equal(state.error.reason, 'SSHBootstrapFailed');
      assert.equal(state.error.retryable, false);
      assert.match(state.error.message, /host key .* is not the one seen first/);

      // A deleted machine's host keys are forgotten with it.
      ssh.forgetMachine(uid);
      assert.equal(ssh.run(uid, 171, host), undefined);
      ssh.start(ctx, vm, host);
      assert.equal(await settled(), 'done');
    } finally {
      await ssh.close();
    }
  });
});
