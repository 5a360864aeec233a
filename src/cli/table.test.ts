import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnWidths, formatRow, formatTable } from './table.ts';

test('columns are left-aligned, three spaces apart, without trailing blanks', () => {
  const table = formatTable(
    ['NAME', 'PHASE', 'AGE'],
    [
      ['demo', 'Provisioning', '5s'],
      ['a-much-longer-name', '', '3m'],
    ],
  );
  assert.equal(
    table,
    [
      'NAME                 PHASE          AGE',
      'demo                 Provisioning   5s',
      'a-much-longer-name                  3m',
      '',
    ].join('\n'),
  );
});

test('an empty last cell leaves no trailing spaces', () => {
  assert.equal(formatTable(['NAME', 'NOTE'], [['x', '']]), 'NAME   NOTE\nx\n');
});

test('line breaks in cells become spaces', () => {
  assert.equal(formatTable(['MESSAGE'], [['two\nlines']]), 'MESSAGE\ntwo lines\n');
});

test('rows of a watch keep the widths of the first table', () => {
  const widths = columnWidths(['NAME', 'READY'], [['demo', 'True']]);
  assert.deepEqual(widths, [4, 5]);
  assert.equal(formatRow(['x', 'False'], widths), 'x      False');
  assert.equal(formatRow(['longer-name', 'True'], widths), 'longer-name   True');
});
