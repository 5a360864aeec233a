import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Credential } from '../api/kinds/credential.ts';
import { ApiVersion } from '../api/meta.ts';
import type {
  InfrastructureProvider,
  ProviderCredential,
} from '../providers/infrastructure/types.ts';
import { createInfrastructureRegistry } from '../providers/infrastructure/registry.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { findCondition } from './conditions.ts';
import { credentialController } from './credential.controller.ts';
import { discardEvents } from './dependencies.ts';
import { encodeSecretData } from './secrets.ts';

const ctx = { signal: new AbortController().signal, now: () => new Date('2026-01-01T00:00:00Z') };

/** A provider that accepts the password "right" and records what it was given. */
function fakeProvider(seen: ProviderCredential[]): InfrastructureProvider {
  return {
    name: 'fake',
    checkCredential(credential) {
      seen.push(credential);
      if (credential.config['down'] === true)
        return Promise.reject(new Error('connect ECONNREFUSED'));
      return Promise.resolve(
        credential.secret['password'] === 'right'
          ? { ok: true, reason: 'CredentialValid', message: 'logged in' }
          : { ok: false, reason: 'AuthenticationFailed', message: 'wrong password' },
      );
    },
  } as InfrastructureProvider;
}

function credential(name: string, spec: Partial<Credential['spec']>): Credential {
  return {
    apiVersion: ApiVersion,
    kind: 'Credential',
    metadata: { name, namespace: 'ns' },
    spec: { provider: 'fake', ...spec },
  };
}

describe('Credential controller', () => {
  let dir: string;
  let store: SqliteStore;
  const seen: ProviderCredential[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-cred-'));
    store = await openSqliteStore({ dataDir: dir });
    for (const [ns, name, password] of [
      ['ns', 'good', 'right'],
      ['ns', 'bad', 'wrong'],
      ['other', 'theirs', 'right'],
    ] as const) {
      await store.create({
        apiVersion: ApiVersion,
        kind: 'Secret',
        metadata: { name, namespace: ns },
        data: encodeSecretData({ password }),
      });
    }
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function check(c: Credential) {
    await store.create(c);
    const result = await credentialController({
      store,
      infrastructure: createInfrastructureRegistry([fakeProvider(seen)]),
      events: discardEvents,
      recheckIntervalMs: 1000,
      retryIntervalMs: 10,
    }).reconcile(ctx, `ns/${c.metadata.name}`);
    const stored = await store.get<Credential>('Credential', 'ns', c.metadata.name);
    return {
      result,
      ready: stored.status?.ready,
      condition: findCondition(stored.status?.conditions, 'Ready'),
    };
  }

  it('is Ready when the provider accepts the decoded secret, and checks again later', async () => {
    const { result, ready, condition } = await check(
      credential('ok', { secretRef: { name: 'good' }, config: { url: 'x' } }),
    );
    assert.equal(ready, true);
    assert.equal(condition?.reason, 'CredentialValid');
    assert.deepEqual(result, { requeueAfter: 1000 });
    assert.deepEqual(seen.at(-1), {
      ref: 'ns/ok',
      config: { url: 'x' },
      secret: { password: 'right' },
    });
  });

  it('says why the provider refused, and retries soon', async () => {
    const { result, ready, condition } = await check(
      credential('refused', { secretRef: { name: 'bad' } }),
    );
    assert.equal(ready, false);
    assert.equal(condition?.reason, 'AuthenticationFailed');
    assert.equal(condition?.message, 'wrong password');
    assert.deepEqual(result, { requeueAfter: 10 });
  });

  it('reports a missing Secret, and a Secret of another namespace, without asking the provider', async () => {
    const before = seen.length;
    const missing = await check(credential('missing', { secretRef: { name: 'nope' } }));
    assert.equal(missing.condition?.reason, 'SecretNotFound');
    const foreign = await check(
      credential('foreign', { secretRef: { name: 'theirs', namespace: 'other' } }),
    );
    assert.equal(foreign.condition?.reason, 'SecretNotFound');
    assert.match(foreign.condition?.message ?? '', /must be in namespace ns/);
    assert.equal(seen.length, before);
  });

  it('reports an unknown provider and an unreachable one', async () => {
    const unknown = await check(credential('unknown', { provider: 'vmware' }));
    assert.equal(unknown.condition?.reason, 'UnknownProvider');
    const down = await check(credential('down', { config: { down: true } }));
    assert.equal(down.condition?.reason, 'Unreachable');
    assert.match(down.condition?.message ?? '', /ECONNREFUSED/);
  });
});
