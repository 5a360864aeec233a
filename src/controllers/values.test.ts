import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepMerge, mergeValues, ValuesSchemaCompiler } from './values.ts';

describe('deepMerge', () => {
  it('merges objects key by key, config wins, arrays replace', () => {
    const base = { a: 1, nested: { x: 1, y: 2 }, list: [1, 2], keep: 'k' };
    const over = { a: 2, nested: { y: 3, z: 4 }, list: [9] };
    assert.deepEqual(deepMerge(base, over), {
      a: 2,
      nested: { x: 1, y: 3, z: 4 },
      list: [9],
      keep: 'k',
    });
    assert.deepEqual(base.nested, { x: 1, y: 2 }, 'inputs are not changed');
  });

  it('treats missing inputs as empty', () => {
    assert.deepEqual(mergeValues(undefined, { a: 1 }), { a: 1 });
    assert.deepEqual(mergeValues({ a: 1 }, undefined), { a: 1 });
  });
});

describe('ValuesSchemaCompiler', () => {
  const compiler = new ValuesSchemaCompiler();
  const schema = {
    type: 'object',
    properties: {
      workersNumber: { type: 'integer', minimum: 0 },
      machine: {
        type: 'object',
        properties: { vcpu: { type: 'integer', minimum: 1 } },
        required: ['vcpu'],
        additionalProperties: false,
      },
      cidr: { type: 'string', format: 'ipv4' },
      size: { enum: ['small', 'large'] },
    },
  };

  it('names the field path of every problem', () => {
    const compiled = compiler.compile(schema);
    assert.ok(compiled.ok);
    const problems = compiled.validate(
      { workersNumber: -1, machine: { vcpu: 0, bogus: 1 }, cidr: 'x', size: 'huge' },
      'spec.config',
    );
    const fields = problems.map((p) => p.field).sort();
    assert.deepEqual(fields, [
      'spec.config.cidr',
      'spec.config.machine.bogus',
      'spec.config.machine.vcpu',
      'spec.config.size',
      'spec.config.workersNumber',
    ]);
    assert.match(problems.find((p) => p.field === 'spec.config.size')?.message ?? '', /"small"/);
    const missing = compiled.validate({ machine: {} }, 'spec.config');
    assert.deepEqual(missing, [{ field: 'spec.config.machine.vcpu', message: 'is required' }]);
    assert.deepEqual(compiled.validate({ workersNumber: 2, cidr: '10.0.0.1' }, 'spec.config'), []);
  });

  it('rejects schemas that are not valid JSON Schema', () => {
    const bad = compiler.compile({ type: 'objekt' });
    assert.equal(bad.ok, false);
    const badPattern = compiler.compile({ type: 'string', pattern: '(' });
    assert.equal(badPattern.ok, false);
    const badRef = compiler.compile({ $ref: '#/definitions/missing' });
    assert.equal(badRef.ok, false);
    const draft4 = compiler.compile({ $schema: 'http://json-schema.org/draft-04/schema#' });
    assert.equal(draft4.ok, false);
  });

  it('understands 2020-12 schemas and tolerates UI hints', () => {
    const compiled = compiler.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'string', 'x-ui-widget': 'text' } },
      $defs: { n: { type: 'integer' } },
    });
    assert.ok(compiled.ok);
    assert.equal(compiled.validate({ a: 1 }, 'spec.config')[0]?.field, 'spec.config.a');
  });

  it('compiles two schemas with the same $id independently', () => {
    const one = compiler.compile({ $id: 'https://x/values', type: 'object' });
    const two = compiler.compile({ $id: 'https://x/values', type: 'string' });
    assert.ok(one.ok && two.ok);
    assert.equal(two.validate({}, 'v').length, 1);
  });
});
