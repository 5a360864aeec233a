// parse_property_string on a small format of its own: default key, aliases, booleans, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckContext } from './check.ts';
import { checkFormat, formatRegistry } from './formats.ts';
import { perlPattern } from './perl-regex.ts';
import { parsePropertyString } from './property-string.ts';
import type { PveFormatKeys } from './types.ts';

const registry = formatRegistry();
const context: CheckContext = {
  checkFormat: (format, value, path) => checkFormat(context, registry, format, value, path),
  pattern: perlPattern,
};

const DISK: PveFormatKeys = {
  file: { type: 'string', default_key: 1, format: 'pve-volume-id-or-qm-path' },
  volume: { alias: 'file' },
  size: { type: 'string', optional: 1, format: 'disk-size' },
  ssd: { type: 'boolean', optional: 1 },
  iothread: { type: 'boolean', optional: 1 },
  queues: { type: 'integer', optional: 1, minimum: 2 },
};

const parse = (text: string): ReturnType<typeof parsePropertyString> =>
  parsePropertyString(context, DISK, text, 'scsi0');

test('a bare value goes to the default key; blank parts are skipped', () => {
  assert.deepEqual(parse('local-lvm:20,,size=20G'), {
    ok: true,
    value: { file: 'local-lvm:20', size: '20G' },
  });
});

test('an alias stores its value under the key it stands for', () => {
  assert.deepEqual(parse('volume=local-lvm:vm-101-disk-0'), {
    ok: true,
    value: { file: 'local-lvm:vm-101-disk-0' },
  });
  // Proxmox checks duplicates before resolving the alias, so the alias silently wins.
  assert.deepEqual(parse('local-lvm:20,volume=local-lvm:21'), {
    ok: true,
    value: { file: 'local-lvm:21' },
  });
});

test('booleans in property strings also take on/off/yes/no/true/false', () => {
  assert.deepEqual(parse('local-lvm:20,ssd=on,iothread=False'), {
    ok: true,
    value: { file: 'local-lvm:20', ssd: '1', iothread: '0' },
  });
  assert.deepEqual(parse('local-lvm:20,ssd=fast'), {
    ok: false,
    message: "format error\nscsi0.ssd: type check ('boolean') failed - got 'fast'\n",
  });
});

test('problems found while splitting stop at the first one', () => {
  assert.deepEqual(parse('local-lvm:20,local-lvm:21'), {
    ok: false,
    message: 'duplicate key in comma-separated list property: file\n',
  });
  assert.deepEqual(parse('local-lvm:20,size=1G,size=2G'), {
    ok: false,
    message: 'duplicate key in comma-separated list property: size\n',
  });
  assert.deepEqual(parse('=x'), {
    ok: false,
    message: 'missing key in comma-separated list property\n',
  });
  assert.deepEqual(parse('cache=none'), {
    ok: false,
    message: 'invalid key in comma-separated list property: cache\n',
  });
});

test('problems found while checking keys are all reported', () => {
  assert.deepEqual(parse('size=big,queues=1'), {
    ok: false,
    message:
      'format error\n' +
      'scsi0.file: property is missing and it is not optional\n' +
      'scsi0.size: invalid format - value does not look like a valid disk size: big\n\n' +
      'scsi0.queues: value must have a minimum value of 2\n',
  });
});
