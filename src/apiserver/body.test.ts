import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSlipwayError } from '../api/index.ts';
import { decodeBody, lineColumn, mediaType } from './body.ts';
import { jsonErrorOffset } from './json-error-offset.ts';

function failure(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (err: unknown) {
    assert.ok(isSlipwayError(err), String(err));
    return { reason: err.reason, message: err.message };
  }
  assert.fail('expected an error');
}

describe('decodeBody', () => {
  it('reads JSON and YAML by Content-Type, ignoring parameters and case', () => {
    assert.deepEqual(decodeBody('POST', 'application/json; charset=utf-8', '{"a":1}'), { a: 1 });
    assert.deepEqual(decodeBody('PUT', 'Application/YAML', 'a: 1\nb: [x, y]\n'), {
      a: 1,
      b: ['x', 'y'],
    });
    assert.deepEqual(decodeBody('POST', 'text/x-yaml', 'a: "1"'), { a: '1' });
  });

  it('sniffs bodies without a useful Content-Type', () => {
    assert.deepEqual(decodeBody('POST', undefined, '  {"a": 1}'), { a: 1 });
    assert.deepEqual(decodeBody('POST', 'text/plain', 'a: 1'), { a: 1 });
    assert.match(failure(() => decodeBody('POST', undefined, '{"a": }')).message, /invalid JSON/);
  });

  it('treats an empty body as none', () => {
    assert.equal(decodeBody('POST', 'application/json', ''), undefined);
    assert.equal(decodeBody('POST', 'application/yaml', '  \n'), undefined);
  });

  it('takes only the two patch types for PATCH', () => {
    assert.deepEqual(decodeBody('PATCH', 'application/merge-patch+json', '{"a":null}'), {
      a: null,
    });
    assert.deepEqual(decodeBody('PATCH', 'application/json-patch+json', '[]'), []);
    for (const type of [
      'application/json',
      'application/yaml',
      'application/strategic-merge-patch+json',
      undefined,
    ]) {
      assert.equal(failure(() => decodeBody('PATCH', type, '{}')).reason, 'UnsupportedMediaType');
    }
    assert.equal(
      failure(() => decodeBody('POST', 'application/merge-patch+json', '{}')).reason,
      'UnsupportedMediaType',
    );
    assert.equal(
      failure(() => decodeBody('POST', 'application/xml', '<a/>')).reason,
      'UnsupportedMediaType',
    );
  });

  it('names line and column of JSON errors without echoing the body', () => {
    const secret = '{\n  "data": {"password": "hunter2"},\n  "oops"\n}';
    const { reason, message } = failure(() => decodeBody('POST', 'application/json', secret));
    assert.equal(reason, 'BadRequest');
    assert.match(message, /^invalid JSON at line 4, column 1: /);
    assert.doesNotMatch(message, /hunter2/);
  });

  it('names line and column of YAML errors', () => {
    const { message } = failure(() =>
      decodeBody('POST', 'application/yaml', 'a: 1\nb:\n  - x\n - y\n'),
    );
    assert.match(message, /^invalid YAML at line 4, column \d+: /);
    assert.match(
      failure(() => decodeBody('POST', 'application/yaml', 'a: 1\na: 2\n')).message,
      /unique/,
    );
    assert.match(
      failure(() => decodeBody('POST', 'application/yaml', 'a: 1\n---\nb: 2\n')).message,
      /multiple documents/,
    );
  });

  it('refuses __proto__ keys in either syntax', () => {
    assert.match(
      failure(() =>
        decodeBody('POST', 'application/json', '{"a": {"__proto__": {"polluted": true}}}'),
      ).message,
      /a\.__proto__/,
    );
    assert.match(
      failure(() =>
        decodeBody('POST', 'application/yaml', 'a:\n  __proto__:\n    polluted: true\n'),
      ).message,
      /a\.__proto__/,
    );
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('stops YAML alias bombs', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    assert.equal(failure(() => decodeBody('POST', 'application/yaml', bomb)).reason, 'BadRequest');
  });
});

describe('helpers', () => {
  it('mediaType strips parameters', () => {
    assert.equal(mediaType(' application/JSON ; charset=utf-8'), 'application/json');
    assert.equal(mediaType(undefined), '');
  });

  it('lineColumn counts from 1', () => {
    assert.deepEqual(lineColumn('ab\ncd', 0), { line: 1, column: 1 });
    assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  });

  it('jsonErrorOffset finds the first bad character', () => {
    assert.equal(jsonErrorOffset('{"a": [1, 2, {"b": null}], "c": "d"}'), undefined);
    assert.equal(jsonErrorOffset('{"a": 1,}'), 8);
    assert.equal(jsonErrorOffset('[1 2]'), 3);
    assert.equal(jsonErrorOffset('{"a": tru}'), 6);
    assert.equal(jsonErrorOffset('{"a": 01}'), 7);
    assert.equal(jsonErrorOffset('{} x'), 3);
    assert.equal(jsonErrorOffset('{"a": "\\u00zz"}'), 6);
  });
});
