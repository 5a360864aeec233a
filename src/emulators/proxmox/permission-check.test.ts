import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkMethodPermissions, evaluateCheck, type Caller } from './permission-check.ts';
import { holds, permissionsDump } from './privileges.ts';

const caller: Caller = {
  userid: 'slipway@pve!prov',
  privileges: {
    '/': ['VM.Audit'],
    '/vms': ['VM.Audit', 'VM.Clone', 'VM.Allocate'],
    '/vms/666': [],
  },
};

describe('permission checks', () => {
  test('the most specific ACL path decides', () => {
    assert.equal(holds(caller.privileges, '/vms/100', ['VM.Clone']), true);
    assert.equal(holds(caller.privileges, '/vms/666', ['VM.Audit']), false);
    assert.equal(holds(caller.privileges, '/storage/local', ['VM.Audit']), true);
    assert.deepEqual(permissionsDump(caller.privileges, '/vms/7'), {
      '/vms/7': { 'VM.Allocate': 1, 'VM.Audit': 1, 'VM.Clone': 1 },
    });
  });

  test("a schema check expression: and/or/perm with {param} paths and PVE's 403 texts", () => {
    const clone = [
      'and',
      ['perm', '/vms/{vmid}', ['VM.Clone']],
      [
        'or',
        ['perm', '/vms/{newid}', ['VM.Allocate']],
        ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool'],
      ],
    ];
    assert.equal(evaluateCheck(clone, caller, { vmid: '9000', newid: '101' }), true);
    assert.throws(
      () => evaluateCheck(clone, caller, { vmid: '666', newid: '101' }),
      /^PveError: Permission check failed \(\/vms\/666, VM\.Clone\)$/,
    );
    assert.throws(
      () => evaluateCheck(clone, caller, { vmid: '9000', newid: '666' }),
      /^PveError: Permission check failed$/,
    );
    const any = [
      'perm',
      '/storage/{storage}',
      ['Datastore.Audit', 'Datastore.AllocateSpace'],
      'any',
      1,
    ];
    assert.throws(
      () => evaluateCheck(any, { ...caller, privileges: {} }, { storage: 'x' }),
      /\(\/storage\/x, Datastore\.Audit\|Datastore\.AllocateSpace\)/,
    );
  });

  test('user: all lets callers in; no permissions means root@pam only', () => {
    assert.doesNotThrow(() => checkMethodPermissions({ user: 'all' }, caller, {}));
    assert.throws(() => checkMethodPermissions(undefined, caller, {}), /user != root@pam/);
    assert.doesNotThrow(() =>
      checkMethodPermissions(undefined, { userid: 'root@pam', privileges: {} }, {}),
    );
  });
});
