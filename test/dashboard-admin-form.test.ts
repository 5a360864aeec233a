// The admin pages' pure halves (web/src/components/admin): server errors placed beside
// the fields they name, YAML/JSON text areas read as objects, quota boxes as a merge
// patch, times between datetime-local boxes and RFC 3339, the audit log's query.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../web/src/api/client.ts';
import { placeErrors } from '../web/src/components/admin/errors.ts';
import { parseObject } from '../web/src/components/admin/structured.ts';
import {
  auditQuery,
  badQuotaNumber,
  localTimeToRfc3339,
  quotaDraft,
  quotaPatch,
  secretRowProblems,
  secretValues,
  toLocalInput,
} from '../web/src/components/admin/values.ts';

test('causes go to the most precise declared field; unknown ones stay general', () => {
  const error = new ApiError(422, 'invalid', 'Invalid', [
    { field: 'spec.quota.clusters', message: 'must not exceed spec.quotaLimit.clusters (5)' },
    { field: 'spec.quota.vcpu', message: 'too many' },
    { field: 'spec.quotaLimit.vcpu', message: 'negative' },
    { field: 'spec.templates[1]', message: 'empty' },
    { field: 'spec.other', message: 'unknown field' },
  ]);
  const placed = placeErrors(
    error,
    ['spec.quota', 'spec.quota.clusters', 'spec.quotaLimit', 'spec.templates'],
    'spec.quota',
  );
  assert.deepEqual(placed.byField, {
    'spec.quota.clusters': ['must not exceed spec.quotaLimit.clusters (5)'],
    'spec.quota': ['vcpu: too many'],
    'spec.quotaLimit': ['vcpu: negative'],
    'spec.templates': ['[1]: empty'],
  });
  assert.deepEqual(placed.other, [{ field: 'spec.other', message: 'unknown field' }]);
});

test('a refusal that names no field goes beside the main field', () => {
  const forbidden = new ApiError(403, 'projects "p" is forbidden', 'Forbidden');
  assert.deepEqual(placeErrors(forbidden, ['spec.quota'], 'spec.quota'), {
    byField: { 'spec.quota': ['projects "p" is forbidden'] },
    other: [],
  });
  assert.deepEqual(placeErrors(undefined, ['a'], 'a'), { byField: {}, other: [] });
});

test('text areas read YAML or JSON mappings; anything else says what is wrong', () => {
  assert.deepEqual(parseObject(''), { ok: true, value: undefined });
  assert.deepEqual(parseObject('type: object\nrequired: [a]'), {
    ok: true,
    value: { type: 'object', required: ['a'] },
  });
  assert.deepEqual(parseObject('{"workersNumber": 1}'), { ok: true, value: { workersNumber: 1 } });
  const broken = parseObject('properties: [unclosed');
  assert.equal(broken.ok, false);
  assert.match(broken.ok ? '' : broken.message, /^not valid YAML or JSON: /);
  const list = parseObject('- a\n- b');
  assert.match(list.ok ? '' : list.message, /must be a mapping/);
  assert.equal(parseObject('42').ok, false);
});

test('quota boxes become a merge patch: numbers, and null to remove an empty one', () => {
  const draft = quotaDraft({ clusters: 3, vcpu: 16 });
  assert.deepEqual(draft, { clusters: '3', machines: '', vcpu: '16', memoryMiB: '', diskGiB: '' });
  assert.deepEqual(quotaPatch({ ...draft, vcpu: ' ', diskGiB: ' 100 ' }), {
    clusters: 3,
    machines: null,
    vcpu: null,
    memoryMiB: null,
    diskGiB: 100,
  });
  assert.deepEqual(badQuotaNumber(''), []);
  assert.deepEqual(badQuotaNumber('12'), []);
  assert.deepEqual(badQuotaNumber('-1'), ['must be a whole number ≥ 0']);
  assert.deepEqual(badQuotaNumber('1.5'), ['must be a whole number ≥ 0']);
});

test('datetime-local boxes and RFC 3339 round-trip; empty is absent', () => {
  const local = '2026-12-24T18:30';
  const rfc = localTimeToRfc3339(local);
  assert.ok(rfc !== undefined && /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/.test(rfc), rfc);
  assert.equal(new Date(rfc).getTime(), new Date(local).getTime());
  assert.equal(toLocalInput(rfc), local);
  assert.equal(localTimeToRfc3339(''), undefined);
  assert.equal(toLocalInput(undefined), '');
  assert.equal(toLocalInput('not a time'), '');
  // Text that is not a time goes to the server as typed, which names the field.
  assert.equal(localTimeToRfc3339('someday'), 'someday');
});

test('the audit query keeps the given filters, converts since, and continues', () => {
  const filters = {
    user: ' alice ',
    namespace: '',
    verb: 'create',
    resource: 'projects',
    since: '',
  };
  assert.deepEqual(auditQuery(filters), {
    user: 'alice',
    namespace: undefined,
    verb: 'create',
    resource: 'projects',
    since: undefined,
    limit: '50',
    continue: undefined,
  });
  const next = auditQuery({ ...filters, since: '2026-11-21T10:00' }, 'token-2');
  assert.equal(next['continue'], 'token-2');
  assert.equal(next['since'], new Date('2026-11-21T10:00').toISOString());
});

test('secret rows: a value needs a key, a key once; empty rows are not sent', () => {
  const rows = [
    { key: ' tokenSecret ', value: 's3cret' },
    { key: 'sshPrivateKey', value: '' },
    { key: '', value: '' },
  ];
  assert.deepEqual(secretRowProblems(rows), []);
  assert.deepEqual(secretValues(rows), { tokenSecret: 's3cret' });
  assert.deepEqual(secretRowProblems([{ key: '', value: 'x' }]), ['every value needs a key']);
  assert.deepEqual(
    secretRowProblems([
      { key: 'a', value: '1' },
      { key: 'a ', value: '2' },
    ]),
    ['a key is given twice'],
  );
});
