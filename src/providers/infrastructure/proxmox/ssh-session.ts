// One SSH connection to a guest (ssh2's client): log in with a key, check the host key
// through a caller's callback (trust on first use lives in ssh-bootstrap.ts), run
// commands with optional stdin and collect their exit code and the tail of their output.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

/** Output kept per stream: enough for an error message, bounded for a chatty installer. */
const outputLimit = 64 * 1024;

export interface SshConnectOptions {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** Whether to accept the host key with this SHA-256 fingerprint (`SHA256:…`). */
  acceptHostKey: (fingerprint: string) => boolean;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

export interface SshExecResult {
  /** Exit status; null when the command ended by a signal or the channel closed without one. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why a connection failed: `hostkey` (the key changed), `auth`, or `connect` (anything else). */
export class SshConnectError extends Error {
  readonly kind: 'hostkey' | 'auth' | 'connect';
  constructor(kind: SshConnectError['kind'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SshConnectError';
    this.kind = kind;
  }
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function appendBounded(current: string, chunk: Buffer): string {
  const next = current + chunk.toString('utf8');
  return next.length > outputLimit ? next.slice(-outputLimit) : next;
}

export interface SshSession {
  /** Run a command (the login shell reads it), feed `stdin` and wait for it to end. */
  exec(command: string, stdin?: string): Promise<SshExecResult>;
  close(): void;
}

/**
 * Log in; rejects with an {@link SshConnectError}.
 *
 * @example
 *   const ssh = await openSshSession({ host: '10.0.0.21', port: 22, username: 'slipway',
 *     privateKey, acceptHostKey: () => true, readyTimeoutMs: 10_000 });
 *   const { code } = await ssh.exec('true');
 *   ssh.close();
 */
export function openSshSession(options: SshConnectOptions): Promise<SshSession> {
  const client = new ssh2.Client();
  let rejectedKey: string | undefined;
  return new Promise<SshSession>((resolve, reject) => {
    const onAbort = () => {
      client.end();
      reject(new SshConnectError('connect', 'aborted'));
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => {
      options.signal?.removeEventListener('abort', onAbort);
      // Errors after login end the running exec (its channel closes).
      client.on('error', () => undefined);
      resolve(session(client, options.signal));
    });
    client.once('error', (err: Error & { level?: string }) => {
      options.signal?.removeEventListener('abort', onAbort);
      client.end();
      const where = `${options.username}@${options.host}:${options.port}`;
      if (rejectedKey !== undefined) {
        reject(
          new SshConnectError(
            'hostkey',
            `the host key of ${where} (${rejectedKey}) is not the one seen first`,
            { cause: err },
          ),
        );
      } else if (err.level === 'client-authentication') {
        reject(
          new SshConnectError('auth', `${where} refused the key (${err.message})`, { cause: err }),
        );
      } else {
        reject(new SshConnectError('connect', `${where}: ${err.message}`, { cause: err }));
      }
    });
    // A connection closed before login without an error (a guest's sshd going away).
    client.once('close', () => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        new SshConnectError(
          'connect',
          `${options.username}@${options.host}:${options.port}: connection closed before login`,
        ),
      );
    });
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: options.privateKey,
      readyTimeout: options.readyTimeoutMs,
      hostVerifier: (key: Buffer) => {
        const fingerprint = hostKeyFingerprint(key);
        if (options.acceptHostKey(fingerprint)) return true;
        rejectedKey = fingerprint;
        return false;
      },
    });
  });
}

function session(client: ssh2.Client, signal: AbortSignal | undefined): SshSession {
  const onAbort = () => client.end();
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    exec(command, stdin) {
      return new Promise<SshExecResult>((resolve, reject) => {
        client.exec(command, (err, channel) => {
          if (err) {
            reject(err);
            return;
          }
          let stdout = '';
          let stderr = '';
          let code: number | null = null;
          channel.on('data', (chunk: Buffer) => (stdout = appendBounded(stdout, chunk)));
          channel.stderr.on('data', (chunk: Buffer) => (stderr = appendBounded(stderr, chunk)));
          channel.on('exit', (status: number | null) => {
            code = typeof status === 'number' ? status : null;
          });
          channel.on('close', () => resolve({ code, stdout, stderr }));
          channel.end(stdin ?? '');
        });
      });
    },
    close() {
      signal?.removeEventListener('abort', onAbort);
      client.end();
    },
  };
}
