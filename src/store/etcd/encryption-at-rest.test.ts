// Secrets in etcd: sealed in the same envelopes as in SQLite, never in clear text, and
// resealed under a new key on rotation. A 1-member cluster is enough here.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import type { AnyResource } from '../../api/meta.ts';
import { machine, secret } from '../conformance/fixtures.ts';
import {
  envelopeKeyId,
  loadEncryptionKeys,
  pruneEncryptionKeys,
  rotateEncryptionKey,
} from '../encryption.ts';
import { BodyCodec } from '../sqlite/codec.ts';
import { openEtcdStore, type EtcdStore } from './etcd-store.ts';
import { EtcdTestCluster } from './test-cluster.ts';

let cluster: EtcdTestCluster;
let admin: Etcd3;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  cluster = await EtcdTestCluster.start({ size: 1 });
  admin = new Etcd3({ hosts: cluster.endpoints });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  admin.close();
  await cluster.stop();
});

/** A fresh data directory and key prefix, removed after the file. */
async function place(): Promise<{ dataDir: string; keyPrefix: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-etcd-enc-'));
  const keyPrefix = `/slipway-test-${randomBytes(6).toString('hex')}/`;
  cleanups.push(
    () => rm(dataDir, { recursive: true, force: true }),
    () => admin.delete().prefix(keyPrefix).exec(),
  );
  return { dataDir, keyPrefix };
}

async function open(where: { dataDir: string; keyPrefix: string }): Promise<EtcdStore> {
  const store = await openEtcdStore({ endpoints: cluster.endpoints, ...where });
  cleanups.push(() => store.close());
  return store;
}

test("a Secret's bytes in etcd are an envelope with no clear text, readable by the SQLite codec", async () => {
  const where = await place();
  const store = await open(where);
  const clear = 'hunter2-very-secret';
  const data = { password: Buffer.from(clear).toString('base64') };
  await store.create(secret('s1', 'team-a', data));
  const raw = await admin.get(`${where.keyPrefix}objects/Secret/team-a/s1`).buffer();
  assert.ok(raw, 'the key is where the ADR says');
  assert.equal(raw.subarray(0, 4).toString(), 'SWE1');
  for (const needle of [clear, data.password, 'password', 's1']) {
    assert.equal(raw.includes(needle), false, `"${needle}" in clear text`);
  }
  // Other kinds are plain JSON.
  await store.create(machine('m1'));
  const plain = await admin.get(`${where.keyPrefix}objects/Machine/team-a/m1`).json();
  assert.equal((plain as AnyResource).metadata.name, 'm1');
  // The same envelope format and additional data as SQLite, so migration can copy it.
  const codec = new BodyCodec(await loadEncryptionKeys(where.dataDir), ['Secret']);
  const json = codec.decode({ kind: 'Secret', namespace: 'team-a', name: 's1' }, raw);
  assert.deepEqual((JSON.parse(json) as AnyResource)['data'], data);
});

test('refuses to start with encrypted objects in etcd but no key file', async () => {
  const where = await place();
  const store = await open(where);
  await store.create(secret('s1', 'team-a', { k: 'dg==' }));
  await store.close();
  await unlink(join(where.dataDir, 'encryption-keys.json'));
  await assert.rejects(open(where), /encryption-keys\.json is missing/);
});

test('rotation reseals every Secret under the new key, plain-text ones too', async () => {
  const where = await place();
  const store = await open(where);
  const data = (i: number) => ({ k: Buffer.from(`value-${i}`).toString('base64') });
  await store.create(secret('s1', 'team-a', data(1)));
  await store.create(secret('s2', 'team-b', data(2)));
  // Written before Secrets were encrypted (or by hand): plain JSON under a Secret key.
  const s3 = secret('s3', 'team-a', data(3));
  s3.metadata.uid = 'u-3';
  await admin.put(`${where.keyPrefix}objects/Secret/team-a/s3`).value(JSON.stringify(s3));
  const [oldKey] = await store.encryptionKeysInUse();
  assert.ok(oldKey);

  const newKey = await rotateEncryptionKey(where.dataDir);
  assert.equal(await store.reencryptAll(), 3);
  assert.equal(await store.reencryptAll(), 0, 'nothing left to reseal');
  assert.deepEqual(await store.encryptionKeysInUse(), [newKey]);
  const raw = await admin.get(`${where.keyPrefix}objects/Secret/team-a/s3`).buffer();
  assert.equal(raw && envelopeKeyId(raw), newKey);

  assert.deepEqual(await pruneEncryptionKeys(where.dataDir), [oldKey]);
  const reopened = await open(where);
  const secrets = (await reopened.list('Secret')).items;
  assert.deepEqual(
    secrets.map((s) => [s.metadata.name, s['data']]),
    [
      ['s1', data(1)],
      ['s3', data(3)],
      ['s2', data(2)],
    ],
  );
});
