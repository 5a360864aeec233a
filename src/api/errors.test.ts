import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  conflict,
  gone,
  invalid,
  isSlipwayError,
  notFound,
  StatusReason,
  tooLargeResourceVersion,
} from './errors.ts';

test('errors carry a stable reason and the HTTP code Kubernetes uses', () => {
  assert.equal(notFound('Machine', 'm1').code, 404);
  assert.equal(conflict('Machine', 'm1', 'stale').code, 409);
  assert.equal(gone('too old').code, 410);
  assert.equal(gone('too old').reason, 'Expired');
  assert.equal(tooLargeResourceVersion(9, 3).code, 504);
  assert.equal(tooLargeResourceVersion(9, 3).reason, 'Timeout');
  const err = invalid('ClusterDeployment', 'demo', [
    { field: 'spec.config.workersNumber', message: 'must be >= 0' },
  ]);
  assert.equal(err.code, 422);
  assert.equal(err.details.causes?.[0]?.field, 'spec.config.workersNumber');
  assert.match(err.message, /spec\.config\.workersNumber: must be >= 0/);
  assert.ok(isSlipwayError(err, StatusReason.Invalid));
  assert.ok(!isSlipwayError(new Error('x')));
});
