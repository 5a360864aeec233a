import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { createSecureContext } from 'node:tls';
import { tlsConnector } from './connector.ts';

test('a server that never completes the handshake times out with ETIMEDOUT', async () => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket)); // accepts, says nothing
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const connect = tlsConnector({ secureContext: createSecureContext(), timeoutMs: 100 });
  const err = await new Promise<Error | null>((resolve) =>
    connect({ hostname: '127.0.0.1', port: String(port), servername: 'x.example' }, (e) =>
      resolve(e),
    ),
  );
  assert.equal((err as { code?: string } | null)?.code, 'ETIMEDOUT');
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('a refused connection is reported once, with its system error', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  const connect = tlsConnector({ secureContext: createSecureContext() });
  const calls: (Error | null)[] = [];
  await new Promise<void>((resolve) =>
    connect({ hostname: '127.0.0.1', port: String(port) }, (e) => {
      calls.push(e);
      resolve();
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(calls.length, 1);
  assert.equal((calls[0] as { code?: string } | null)?.code, 'ECONNREFUSED');
});
