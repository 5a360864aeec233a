// `npm run proxmox-emulator`: prints its URL, token and fingerprint and a Secret and
// Credential that pass Slipway's own schemas, serves the API, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { parseAllDocuments } from 'yaml';
import { Credential } from '../../api/kinds/credential.ts';
import { Secret } from '../../api/kinds/secret.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

/** A GET pinned to the printed fingerprint, as a client configured with it checks TLS. */
function get(url: string, authorization: string, fingerprint: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { headers: { authorization }, rejectUnauthorized: false, agent: false };
    const req = request(url, options, (res) => {
      const served = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => {
        if (served === fingerprint) resolve(res.statusCode ?? 0);
        else reject(new Error(`served certificate ${served} is not the printed one`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('proxmox-emulator command', () => {
  test('prints how to reach it, serves the API, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [main, '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!/kind: Credential[\s\S]*fingerprint: [0-9A-F:]{95}\n/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no output in time: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
      const tokenId = /API token id: +(\S+)/.exec(out)?.[1] ?? '';
      const secret = /API token secret: +(\S+)/.exec(out)?.[1] ?? '';
      assert.equal(tokenId, 'root@pam!slipway');
      assert.match(secret, /^[0-9a-f-]{36}$/);
      const fingerprint = /TLS fingerprint: +(\S+)/.exec(out)?.[1] ?? '';
      assert.equal(
        await get(`${url}/api2/json/version`, `PVEAPIToken=${tokenId}=${secret}`, fingerprint),
        200,
      );
      const docs = parseAllDocuments(out.slice(out.indexOf('apiVersion:'))).map(
        (d) => d.toJS() as Record<string, unknown>,
      );
      assert.equal(Value.Check(Secret, docs[0]), true, 'the Secret passes the Secret schema');
      assert.equal(
        Value.Check(Credential, docs[1]),
        true,
        'the Credential passes the Credential schema',
      );
      const config = (docs[1]?.['spec'] as { config: Record<string, string> }).config;
      assert.deepEqual(Object.keys(config).sort(), ['fingerprint', 'tokenId', 'url']);
      assert.equal(config['url'], url);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
