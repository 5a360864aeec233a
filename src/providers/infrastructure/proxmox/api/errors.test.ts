import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyProxmoxResponse,
  classifyProxmoxText,
  isRetryable,
  ProxmoxApiError,
  ProxmoxTaskError,
  type ProxmoxErrorClass,
} from './errors.ts';

describe('classifyProxmoxResponse', () => {
  // Status, message and errors as Proxmox sends them (reference note, Errors and Guest agent).
  const cases: Array<[number, string, Record<string, string> | undefined, ProxmoxErrorClass]> = [
    [401, 'authentication failure', undefined, { kind: 'authentication' }],
    [401, 'invalid PVE ticket', undefined, { kind: 'authentication' }],
    [403, 'Permission check failed (/vms/100, VM.Clone)', undefined, { kind: 'permission' }],
    [
      400,
      'Parameter verification failed.',
      { memory: "type check ('integer') failed - got 'lots'" },
      { kind: 'invalid' },
    ],
    [
      400,
      'Parameter verification failed.',
      { storage: "storage 'nope' does not exist" },
      { kind: 'invalid' },
    ],
    [400, 'Parameter verification failed.', { vmid: 'VM 105 already exists' }, { kind: 'exists' }],
    [400, 'Parameter verification failed.', { newid: 'VM 105 already exists' }, { kind: 'exists' }],
    [500, 'unable to create VM 105: config file already exists', undefined, { kind: 'exists' }],
    [500, 'VM is locked (clone)', undefined, { kind: 'locked', lock: 'clone' }],
    [500, 'VM is locked (snapshot-delete)', undefined, { kind: 'locked', lock: 'snapshot-delete' }],
    [
      500,
      "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
      undefined,
      { kind: 'locked' },
    ],
    [
      500,
      "cfs-lock 'storage-local-lvm' error: got lock request timeout",
      undefined,
      { kind: 'locked' },
    ],
    [
      500,
      "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
      undefined,
      { kind: 'not-found' },
    ],
    [404, 'Not Found', undefined, { kind: 'not-found' }],
    [
      500,
      'No QEMU guest agent configured',
      undefined,
      { kind: 'guest-agent', agentState: 'not-configured' },
    ],
    [
      500,
      'VM 100 is not running',
      undefined,
      { kind: 'guest-agent', agentState: 'vm-not-running' },
    ],
    [
      500,
      'QEMU guest agent is not running',
      undefined,
      { kind: 'guest-agent', agentState: 'not-running' },
    ],
    [
      500,
      "VM 100 qga command 'guest-network-get-interfaces' failed - got timeout",
      undefined,
      { kind: 'guest-agent', agentState: 'timeout' },
    ],
    [
      500,
      "VM 100 qmp command 'guest-ping' failed - got timeout",
      undefined,
      { kind: 'guest-agent', agentState: 'timeout' },
    ],
    [502, 'Bad Gateway', undefined, { kind: 'transient' }],
    [503, 'Service Unavailable', undefined, { kind: 'transient' }],
    [504, 'Gateway Timeout', undefined, { kind: 'transient' }],
    [595, 'Connection refused', undefined, { kind: 'transient' }],
    [596, 'Connection timed out', undefined, { kind: 'transient' }],
    [501, "Method 'POST /nodes/pve1/nope' not implemented", undefined, { kind: 'other' }],
    [500, 'something unexpected', undefined, { kind: 'other' }],
    [400, 'bad request', undefined, { kind: 'invalid' }],
  ];
  for (const [status, message, errors, expected] of cases) {
    it(`${status} ${message}${errors ? ` ${JSON.stringify(errors)}` : ''} → ${expected.kind}`, () => {
      assert.deepEqual(classifyProxmoxResponse(status, message, errors), expected);
    });
  }

  it('a lock timeout is a lock, not a guest-agent timeout', () => {
    assert.equal(
      classifyProxmoxText("can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout")
        ?.kind,
      'locked',
    );
  });

  it('a text no rule knows is undefined', () => {
    assert.equal(classifyProxmoxText('disk full'), undefined);
  });
});

describe('ProxmoxApiError and ProxmoxTaskError', () => {
  it('reads "METHOD path: status detail"', () => {
    const err = new ProxmoxApiError({
      kind: 'exists',
      method: 'POST',
      path: '/nodes/pve1/qemu/100/clone',
      status: 400,
      detail: 'Parameter verification failed: newid: VM 105 already exists',
      errors: { newid: 'VM 105 already exists' },
    });
    assert.equal(
      err.message,
      'POST /nodes/pve1/qemu/100/clone: 400 Parameter verification failed: newid: VM 105 already exists',
    );
    assert.equal(err.requestSent, true);
    assert.deepEqual(err.errors, { newid: 'VM 105 already exists' });
  });

  it('a task error classifies its exit status and shows the log tail', () => {
    const err = new ProxmoxTaskError({
      upid: 'UPID:pve1:00001234:0000ABCD:65F0A1B2:qmclone:100:root@pam!slipway:',
      node: 'pve1',
      type: 'qmclone',
      exitStatus: "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
      logTail: ['create full clone of drive scsi0', "TASK ERROR: can't lock file"],
    });
    assert.equal(err.kind, 'locked');
    assert.match(err.message, /^task qmclone on pve1 failed: can't lock file/);
    assert.match(err.message, /\n {2}create full clone of drive scsi0\n {2}TASK ERROR/);
    assert.equal(isRetryable(err), true);
  });
});

describe('isRetryable', () => {
  const apiError = (
    kind: ProxmoxApiError['kind'],
    status?: number,
    agentState?: ProxmoxApiError['agentState'],
  ) =>
    new ProxmoxApiError({
      kind,
      method: 'GET',
      path: '/x',
      detail: 'x',
      ...(status !== undefined ? { status } : {}),
      ...(agentState ? { agentState } : {}),
    });

  it('says yes to what waiting can fix', () => {
    assert.equal(isRetryable(apiError('transient', 503)), true);
    assert.equal(isRetryable(apiError('timeout')), true);
    assert.equal(isRetryable(apiError('locked', 500)), true);
    assert.equal(isRetryable(apiError('guest-agent', 500, 'not-running')), true);
    assert.equal(isRetryable(apiError('guest-agent', 500, 'timeout')), true);
    assert.equal(isRetryable(apiError('other', 500)), true);
  });

  it('says no to what needs a change', () => {
    for (const kind of [
      'authentication',
      'permission',
      'invalid',
      'not-found',
      'exists',
      'tls',
    ] as const) {
      assert.equal(isRetryable(apiError(kind, 400)), false, kind);
    }
    assert.equal(isRetryable(apiError('guest-agent', 500, 'not-configured')), false);
    assert.equal(isRetryable(apiError('guest-agent', 500, 'vm-not-running')), false);
    assert.equal(isRetryable(new Error('boom')), false);
  });
});
