import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { instanceIdFor, renderMetaData } from './meta-data.ts';
import { validateMetaData } from './validator.ts';

test('instance-id: stable per Machine object, new for a replacement, no slash', async () => {
  const machine = { namespace: 'team-a', machineName: 'demo-cp-x7k2p' };
  assert.equal(instanceIdFor(machine), 'team-a.demo-cp-x7k2p');
  assert.equal(instanceIdFor({ ...machine, machineUID: 'u-1' }), 'team-a.demo-cp-x7k2p.u-1');
  assert.notEqual(
    instanceIdFor({ ...machine, machineUID: 'u-2' }),
    instanceIdFor({ ...machine, machineUID: 'u-1' }),
  );
  assert.throws(() => instanceIdFor({ ...machine, machineUID: '../x' }), /instance-id/);
  const metaData = renderMetaData({
    instanceId: instanceIdFor(machine),
    hostname: 'demo-cp-x7k2p',
  });
  assert.deepEqual(parse(metaData), {
    'instance-id': 'team-a.demo-cp-x7k2p',
    'local-hostname': 'demo-cp-x7k2p',
  });
  await validateMetaData(metaData);
});
