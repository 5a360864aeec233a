import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeForm, uploadMultipart } from './form.ts';
import { encodeSshKeys } from './sshkeys.ts';
import { decodeLikePve, parseUploadLikePve, uriUnescape } from './test-support.ts';

describe('encodeForm', () => {
  it('writes booleans as 1/0, numbers as digits, and leaves out undefined', () => {
    assert.equal(
      encodeForm({ newid: 105, full: false, start: true, name: undefined, target: 'pve2' }),
      'newid=105&full=0&start=1&target=pve2',
    );
    assert.equal(encodeForm(undefined), '');
    assert.equal(encodeForm({}), '');
  });

  it('encodes every character pve-http-server would split on or rewrite', () => {
    const params = {
      net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0',
      ide0: 'local:iso/seed-a.iso,media=cdrom',
      description: 'a;b&c=d+e f%g (h)! *i* ~j\nk ünï',
      tags: 'slipway;cluster-a',
    };
    const encoded = encodeForm(params);
    assert.doesNotMatch(encoded, /[ +;!'()*]/, 'no raw separators, plus signs or spaces');
    assert.deepEqual(decodeLikePve(encoded), params);
  });

  it('refuses numbers that are not finite', () => {
    assert.throws(() => encodeForm({ memory: Number.NaN }), /parameter memory: NaN/);
  });
});

describe('encodeSshKeys', () => {
  const keys =
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGz+/k3y= alice@laptop\n' +
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC+x/y+z== bob@example.org (work key)\n';

  it("passes pve_verify_urlencoded and decodes twice to the keys, spaces as %20 not '+'", () => {
    const once = encodeSshKeys(keys);
    assert.match(once, /^[-%a-zA-Z0-9_.!~*'()]*$/, 'PVE format "urlencoded"');
    assert.doesNotMatch(once, /\+/);
    assert.match(once, /ssh-ed25519%20AAAA/);
    // What the API server hands to qemu-server after reading the form body ...
    const stored = decodeLikePve(encodeForm({ sshkeys: once })).sshkeys;
    assert.equal(stored, once);
    // ... and what qemu-server's uri_unescape writes into the cloud-init drive.
    assert.equal(uriUnescape(stored ?? ''), keys);
  });

  it('a space encoded as + would not survive uri_unescape (why %20 matters)', () => {
    const plusEncoded = 'ssh-ed25519+AAAA';
    assert.equal(uriUnescape(plusEncoded), 'ssh-ed25519+AAAA');
  });
});

describe('uploadMultipart', () => {
  it('is read by the Proxmox upload parser as content then file, with the exact bytes', () => {
    const data = Buffer.concat([
      Buffer.from('CD001\r\n--not-a-boundary\r\n\r\n'),
      randomBytes(4096),
    ]);
    const multipart = uploadMultipart({ content: 'iso', filename: 'seed-cluster-a-0.iso', data });
    assert.equal(multipart.contentLength, multipart.body.length);
    assert.match(multipart.contentType, /^multipart\/form-data; boundary=[^"\s]+$/);
    const parsed = parseUploadLikePve(multipart.contentType, multipart.body);
    assert.ok(parsed, 'Proxmox would accept the body');
    assert.deepEqual(parsed.params, { content: 'iso', filename: 'seed-cluster-a-0.iso' });
    assert.ok(parsed.data.equals(data), 'file bytes unchanged');
    assert.ok(
      multipart.body.indexOf('name="content"') < multipart.body.indexOf('name="filename"'),
      'content field first',
    );
  });

  it("the reader's quirks this shape avoids: a quoted boundary, a file part without a header line", () => {
    const data = Buffer.from('CD001\r\nline 2\r\n\r\nline 4');
    const multipart = uploadMultipart({ content: 'iso', filename: 'a.iso', data }, 'b0undary');
    assert.equal(
      parseUploadLikePve('multipart/form-data; boundary="b0undary"', multipart.body),
      undefined,
    );
    const bare = Buffer.from(
      multipart.body.toString('latin1').replace('Content-Type: application/octet-stream\r\n', ''),
      'latin1',
    );
    assert.equal(parseUploadLikePve(multipart.contentType, bare)?.data.toString(), 'line 4');
  });

  it('refuses a file name Proxmox would silently rewrite', () => {
    assert.throws(
      () => uploadMultipart({ content: 'iso', filename: 'seed a.iso', data: Buffer.alloc(1) }),
      /upload filename "seed a.iso" may only use/,
    );
  });
});
