import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unifiedDiff } from './unified-diff.ts';

const labels = { oldLabel: 'live/x', newLabel: 'merged/x' };

test('equal texts have no diff', () => {
  assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', labels), '');
  assert.equal(unifiedDiff('', '', labels), '');
});

test('a changed line shows with its context', () => {
  const old = 'a\nb\nc\nd\ne\nf\ng\nh\n';
  const next = 'a\nb\nc\nd\nE\nf\ng\nh\n';
  assert.equal(
    unifiedDiff(old, next, labels),
    [
      '--- live/x',
      '+++ merged/x',
      '@@ -2,7 +2,7 @@',
      ' b',
      ' c',
      ' d',
      '-e',
      '+E',
      ' f',
      ' g',
      ' h',
      '',
    ].join('\n'),
  );
});

test('distant changes make separate hunks', () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line${i}`);
  const changed = [...lines];
  changed[1] = 'first';
  changed[18] = 'last';
  const diff = unifiedDiff(`${lines.join('\n')}\n`, `${changed.join('\n')}\n`, labels);
  assert.deepEqual(
    diff.split('\n').filter((l) => l.startsWith('@@')),
    ['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@'],
  );
});

test('creation from nothing adds every line', () => {
  assert.equal(
    unifiedDiff('', 'a\nb\n', labels),
    '--- live/x\n+++ merged/x\n@@ -0,0 +1,2 @@\n+a\n+b\n',
  );
});

test('insertions and deletions in the middle', () => {
  const diff = unifiedDiff('a\nb\nc\n', 'a\nc\nd\n', labels);
  assert.equal(diff, '--- live/x\n+++ merged/x\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+d\n');
});
