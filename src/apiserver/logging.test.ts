// What the server writes to its log: requests, not credentials or bodies; unexpected
// errors in full for operators, but only a generic message to the caller.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import {
  assertStatus,
  base,
  overrideStore,
  pick,
  startTestServer,
  testToken,
} from './test-support.ts';

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  // Log headers on purpose, as a careless caller's serializer might.
  const logger = pino(
    {
      level: 'debug',
      serializers: {
        req: (req: { headers: unknown; url: string }) => ({ url: req.url, headers: req.headers }),
      },
    },
    stream,
  );
  return { logger, text: () => lines.join('') };
}

describe('logging', () => {
  it('never logs the bearer token or request bodies', async () => {
    const { logger, text } = memoryLogger();
    const s = await startTestServer({ logger });
    try {
      const secret = {
        apiVersion: 'slipway.dev/v1alpha1',
        kind: 'Secret',
        metadata: { name: 'db' },
        stringData: { password: 'correct-horse-battery-staple' },
      };
      assert.equal(
        (await s.call('POST', `${base}/namespaces/default/secrets`, secret)).statusCode,
        201,
      );
      await s.call('POST', `${base}/namespaces/default/secrets`, {
        ...secret,
        stringData: { password: 'correct-horse-battery-staple', x: 1 },
      });
      await s.call(
        'POST',
        `${base}/namespaces/default/secrets`,
        '{"stringData": {"password": "correct-horse-battery-staple"',
        { 'content-type': 'application/json' },
      );
      const log = text();
      assert.match(log, /incoming request/, 'requests are logged');
      assert.match(log, /\[redacted\]/, 'the authorization header is redacted');
      assert.ok(!log.includes(testToken), 'the token is not logged');
      assert.ok(!log.includes('correct-horse-battery-staple'), 'bodies are not logged');
      assert.ok(!log.includes(Buffer.from('correct-horse-battery-staple').toString('base64')));
    } finally {
      await s.close();
    }
  });

  it('answers unexpected errors with a generic 500 Status and logs the error', async () => {
    const { logger, text } = memoryLogger();
    const s = await startTestServer({
      logger,
      wrapStore: (store) =>
        overrideStore(store, { get: () => Promise.reject(new Error('disk on fire')) }),
    });
    try {
      const status = assertStatus(
        await s.call('GET', `${base}/namespaces/default/secrets/db`),
        500,
        'InternalError',
      );
      assert.doesNotMatch(String(pick(status, 'message')), /disk on fire/);
      assert.match(text(), /disk on fire/);
    } finally {
      await s.close();
    }
  });
});
