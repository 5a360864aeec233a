import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ProxmoxClient } from './client.ts';
import { ProxmoxApiError } from './errors.ts';
import {
  createTestPki,
  parseUploadLikePve,
  startFakeProxmox,
  type FakeProxmox,
} from './test-support.ts';

const upid = 'UPID:pve1:0000A1B2:0001C3D4:6601E7F0:imgcopy::slipway@pve!k8s:';

describe('ProxmoxClient.uploadFile', () => {
  let fake: FakeProxmox;
  let client: ProxmoxClient;

  before(async () => {
    const pki = await createTestPki();
    fake = await startFakeProxmox(pki.server);
    client = new ProxmoxClient(
      {
        url: fake.url,
        auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret: 'token-secret-value' },
        tls: { caPem: pki.ca.cert },
      },
      { sleep: () => Promise.resolve() },
    );
  });
  after(async () => {
    await client.close();
    await fake.close();
  });

  it('sends one multipart body with a Content-Length that Proxmox reads as content + file', async () => {
    fake.requests.length = 0;
    fake.handler = () => ({ body: { data: upid } });
    const data = randomBytes(300_000);
    const result = await client.uploadFile('pve1', 'local', {
      content: 'iso',
      filename: 'seed-cluster-a-cp-0.iso',
      data,
    });
    assert.equal(result, upid);
    const [request] = fake.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/nodes/pve1/storage/local/upload');
    assert.equal(request.headers['transfer-encoding'], undefined, 'not chunked');
    assert.equal(Number(request.headers['content-length']), request.body.length);
    const parsed = parseUploadLikePve(request.headers['content-type'] ?? '', request.body);
    assert.ok(parsed, 'Proxmox would accept the body');
    assert.deepEqual(parsed.params, { content: 'iso', filename: 'seed-cluster-a-cp-0.iso' });
    assert.ok(parsed.data.equals(data));
  });

  it('reports Proxmox refusing the upload, and is not retried', async () => {
    fake.requests.length = 0;
    fake.handler = () => ({
      status: 500,
      reason: "storage 'local-lvm' does not support content-type 'iso'",
    });
    const err = await client
      .uploadFile('pve1', 'local-lvm', {
        content: 'iso',
        filename: 'a.iso',
        data: Buffer.alloc(10),
      })
      .catch((error: unknown) => error);
    assert.ok(err instanceof ProxmoxApiError);
    assert.equal(
      err.message,
      "POST /nodes/pve1/storage/local-lvm/upload: 500 storage 'local-lvm' does not support content-type 'iso'",
    );
    assert.equal(fake.requests.length, 1);
  });

  it('insists on a UPID in the answer', async () => {
    fake.handler = () => ({ body: { data: null } });
    await assert.rejects(
      client.uploadFile('pve1', 'local', {
        content: 'iso',
        filename: 'a.iso',
        data: Buffer.alloc(1),
      }),
      /expected a task ID \(UPID\), got null/,
    );
  });
});
