// Turning a request into parameters the way pve-http-server does, quirks included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineRequestParams, decodeUrlencoded } from './request.ts';

test('form decoding: + is a space, %XX a byte, values are UTF-8', () => {
  assert.deepEqual(decodeUrlencoded('name=k3s-a&description=Caf%C3%A9+du+lab;cores=2'), {
    name: 'k3s-a',
    description: 'Café du lab',
    cores: '2',
  });
  assert.deepEqual(decodeUrlencoded(''), {});
});

test('form decoding: what URLSearchParams encodes comes back unchanged', () => {
  const fields = {
    net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0',
    sshkeys: encodeURIComponent('ssh-ed25519 AAAA+/= a@b\n'),
  };
  assert.deepEqual(decodeUrlencoded(new URLSearchParams(fields).toString()), fields);
});

test('form decoding: an unencoded = cuts the value, as Perl splits the pair on every =', () => {
  assert.deepEqual(decodeUrlencoded('net0=virtio=BC:24:11:2E:C5:4A,bridge=vmbr0'), {
    net0: 'virtio',
  });
});

test('form decoding: repeated keys join with NUL, a bare key is undef', () => {
  assert.deepEqual(decodeUrlencoded('command=ls&command=-l&flag&empty='), {
    command: 'ls\0-l',
    flag: null,
    empty: null,
  });
});

test('form decoding: a key named __proto__ is an ordinary parameter', () => {
  const decoded = decodeUrlencoded('__proto__=x');
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.deepEqual(Object.keys(decoded), ['__proto__']);
});

test('merging: the query wins over the body, _dc is dropped, path parameters are added', () => {
  assert.deepEqual(
    combineRequestParams({
      pathParams: { node: 'pve1', vmid: '101' },
      body: { cores: '2', memory: '2048' },
      query: { memory: '4096', _dc: '1716580000000' },
    }),
    { ok: true, params: { cores: '2', memory: '4096', node: 'pve1', vmid: '101' } },
  );
});

test('merging: a parameter repeating a path parameter must agree with it', () => {
  assert.deepEqual(
    combineRequestParams({ pathParams: { node: 'pve1', vmid: '101' }, body: { vmid: '101' } }),
    { ok: true, params: { vmid: '101', node: 'pve1' } },
  );
  assert.deepEqual(
    combineRequestParams({ pathParams: { node: 'pve1', vmid: '101' }, body: { vmid: '102' } }),
    {
      ok: false,
      errors: { vmid: 'duplicate parameter (already defined in URI) with conflicting values!' },
    },
  );
});
