import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSlipwayError } from './errors.ts';
import {
  formatLabelSelector,
  labelSelectorRequirements,
  matchesFields,
  matchesLabels,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './selector.ts';

function badRequestMentioning(...parts: string[]) {
  return (err: unknown): boolean => {
    assert.ok(isSlipwayError(err, 'BadRequest'), `expected BadRequest, got ${String(err)}`);
    for (const part of parts) assert.match(err.message, new RegExp(escape(part)));
    return true;
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const sel = (s: string, labels?: Record<string, string>) =>
  matchesLabels(parseLabelSelector(s), labels);

describe('parseLabelSelector', () => {
  test('parses every operator', () => {
    assert.deepEqual(parseLabelSelector('a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g'), [
      { key: 'a', operator: 'Equals', values: ['1'] },
      { key: 'b', operator: 'Equals', values: ['2'] },
      { key: 'c', operator: 'NotEquals', values: ['3'] },
      { key: 'd', operator: 'In', values: ['x', 'y'] },
      { key: 'e', operator: 'NotIn', values: ['z'] },
      { key: 'f', operator: 'Exists', values: [] },
      { key: 'g', operator: 'DoesNotExist', values: [] },
    ]);
  });

  test('accepts prefixed keys, empty values and spacing variants', () => {
    assert.deepEqual(parseLabelSelector('slipway.dev/cluster = c1'), [
      { key: 'slipway.dev/cluster', operator: 'Equals', values: ['c1'] },
    ]);
    assert.deepEqual(parseLabelSelector('a='), [{ key: 'a', operator: 'Equals', values: [''] }]);
    assert.deepEqual(parseLabelSelector('a in(x)'), [{ key: 'a', operator: 'In', values: ['x'] }]);
    assert.deepEqual(parseLabelSelector(' ! a '), [
      { key: 'a', operator: 'DoesNotExist', values: [] },
    ]);
  });

  test('an empty selector selects everything', () => {
    assert.deepEqual(parseLabelSelector(''), []);
    assert.deepEqual(parseLabelSelector('   '), []);
    assert.equal(sel('', undefined), true);
  });

  const bad: [string, string][] = [
    ['a=1,', 'empty requirement'],
    ['a in (x', 'missing ")"'],
    ['a in x)', 'unbalanced ")"'],
    ['a in ()', 'must not be empty'],
    ['a notin ( )', 'must not be empty'],
    ['a>1', 'not supported'],
    ['a=b c', 'invalid value "b c"'],
    ['a==b==c', 'invalid value'],
    ['-bad=1', 'label key "-bad"'],
    ['Bad_Prefix/x=1', 'prefix must be a DNS-1123 subdomain'],
    ['a=' + 'v'.repeat(64), 'label value'],
    ['a in (ok,-no)', 'label value "-no"'],
    ['!', 'expected a label key'],
    ['a b', 'expected one of'],
  ];
  for (const [input, why] of bad) {
    test(`rejects ${JSON.stringify(input)} naming the problem`, () => {
      assert.throws(() => parseLabelSelector(input), badRequestMentioning(input, why));
    });
  }

  test('errors carry a labelSelector cause', () => {
    try {
      parseLabelSelector('a in ()');
      assert.fail('expected an error');
    } catch (err: unknown) {
      assert.ok(isSlipwayError(err));
      assert.equal(err.code, 400);
      assert.equal(err.details.causes?.[0]?.field, 'labelSelector');
    }
  });
});

describe('matchesLabels', () => {
  const labels = { env: 'prod', tier: 'web', empty: '' };
  test('equality', () => {
    assert.equal(sel('env=prod', labels), true);
    assert.equal(sel('env==prod', labels), true);
    assert.equal(sel('env=dev', labels), false);
    assert.equal(sel('empty=', labels), true);
    assert.equal(sel('missing=', labels), false);
  });
  test('inequality matches a missing label, as in Kubernetes', () => {
    assert.equal(sel('env!=dev', labels), true);
    assert.equal(sel('env!=prod', labels), false);
    assert.equal(sel('missing!=x', labels), true);
    assert.equal(sel('missing!=x', undefined), true);
  });
  test('set membership', () => {
    assert.equal(sel('env in (dev,prod)', labels), true);
    assert.equal(sel('env in (dev)', labels), false);
    assert.equal(sel('missing in (x)', labels), false);
    assert.equal(sel('env notin (dev)', labels), true);
    assert.equal(sel('env notin (prod,dev)', labels), false);
    assert.equal(sel('missing notin (x)', labels), true);
  });
  test('existence', () => {
    assert.equal(sel('env', labels), true);
    assert.equal(sel('empty', labels), true);
    assert.equal(sel('missing', labels), false);
    assert.equal(sel('!missing', labels), true);
    assert.equal(sel('!env', labels), false);
    assert.equal(sel('!env', undefined), true);
  });
  test('all requirements must hold', () => {
    assert.equal(sel('env=prod,tier=web', labels), true);
    assert.equal(sel('env=prod,tier=db', labels), false);
  });
  test('does not match inherited object properties', () => {
    assert.equal(sel('constructor', {}), false);
    assert.equal(sel('toString=x', {}), false);
  });
});

describe('LabelSelector objects', () => {
  test('matchLabels and matchExpressions combine with AND', () => {
    const selector = {
      matchLabels: { env: 'prod' },
      matchExpressions: [
        { key: 'tier', operator: 'In' as const, values: ['web', 'api'] },
        { key: 'legacy', operator: 'DoesNotExist' as const },
      ],
    };
    assert.equal(matchesLabelSelector(selector, { env: 'prod', tier: 'api' }), true);
    assert.equal(matchesLabelSelector(selector, { env: 'prod', tier: 'db' }), false);
    assert.equal(matchesLabelSelector(selector, { env: 'prod', tier: 'web', legacy: 'y' }), false);
    assert.equal(matchesLabelSelector(selector, { tier: 'web' }), false);
  });

  test('an empty selector matches everything', () => {
    assert.equal(matchesLabelSelector({}, undefined), true);
  });

  test('round-trips through the string form', () => {
    const reqs = labelSelectorRequirements({
      matchLabels: { a: '1' },
      matchExpressions: [
        { key: 'b', operator: 'NotIn', values: ['x', 'y'] },
        { key: 'c', operator: 'Exists' },
        { key: 'd', operator: 'DoesNotExist' },
        { key: 'e', operator: 'In', values: ['z'] },
      ],
    });
    const text = formatLabelSelector(reqs);
    assert.equal(text, 'a=1,b notin (x,y),c,!d,e in (z)');
    assert.deepEqual(parseLabelSelector(text), reqs);
    assert.equal(formatLabelSelector(parseLabelSelector('a!=b')), 'a!=b');
  });

  test('bad entries name their field path', () => {
    assert.throws(
      () =>
        labelSelectorRequirements(
          { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
          'spec.clusterSelector',
        ),
      badRequestMentioning('spec.clusterSelector.matchExpressions[0].values', 'must be specified'),
    );
    assert.throws(
      () =>
        labelSelectorRequirements({
          matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }],
        }),
      badRequestMentioning('selector.matchExpressions[0].values', 'may not be specified'),
    );
    assert.throws(
      () => labelSelectorRequirements({ matchLabels: { 'no good': 'x' } }),
      badRequestMentioning('selector.matchLabels', 'label key "no good"'),
    );
  });
});

describe('field selectors', () => {
  const obj = { metadata: { name: 'web', namespace: 'team-a' } };
  const cluster = { metadata: { name: 'pool' } };
  const fsel = (s: string, o: { metadata: { name: string; namespace?: string } }) =>
    matchesFields(parseFieldSelector(s), o);

  test('parses =, == and !=', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=web,metadata.namespace!=x'), [
      { field: 'metadata.name', operator: 'Equals', value: 'web' },
      { field: 'metadata.namespace', operator: 'NotEquals', value: 'x' },
    ]);
    assert.deepEqual(parseFieldSelector(' metadata.name == web '), [
      { field: 'metadata.name', operator: 'Equals', value: 'web' },
    ]);
    assert.deepEqual(parseFieldSelector(''), []);
  });

  test('matches name and namespace', () => {
    assert.equal(fsel('metadata.name=web', obj), true);
    assert.equal(fsel('metadata.name==db', obj), false);
    assert.equal(fsel('metadata.name!=db', obj), true);
    assert.equal(fsel('metadata.namespace=team-a,metadata.name=web', obj), true);
    assert.equal(fsel('metadata.namespace=team-b', obj), false);
    assert.equal(fsel('metadata.namespace!=team-a', obj), false);
  });

  test('cluster-scoped objects have the empty namespace', () => {
    assert.equal(fsel('metadata.namespace=', cluster), true);
    assert.equal(fsel('metadata.namespace!=', cluster), false);
  });

  test('rejects other fields, naming them', () => {
    assert.throws(
      () => parseFieldSelector('metadata.name=a,spec.role=worker'),
      badRequestMentioning('field "spec.role" is not supported'),
    );
    assert.throws(
      () => parseFieldSelector('status.phase!=Running'),
      badRequestMentioning('status.phase'),
    );
  });

  test('rejects malformed clauses', () => {
    assert.throws(
      () => parseFieldSelector('metadata.name'),
      badRequestMentioning('"metadata.name"'),
    );
    assert.throws(() => parseFieldSelector('metadata.name=a b'), badRequestMentioning('expected'));
    assert.throws(() => parseFieldSelector('metadata.name=a,'), badRequestMentioning('expected'));
  });
});
