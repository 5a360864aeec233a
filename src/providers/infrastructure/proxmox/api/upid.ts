// Proxmox task IDs. A UPID names the node that runs the task, so a task started through
// any node is polled at /nodes/<that node>/tasks/<upid>/status. Format (pve-common
// PVE::Tools::upid_decode): UPID:node:pid:pstart:starttime:type:id:user: with pid and
// starttime as 8 hex digits, pstart as 8 or 9, id possibly empty, and the trailing colon.

/** The fields of a UPID; pid, pstart and starttime decoded from hex. */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  /** Unix time in seconds when the task started. */
  starttime: number;
  /** Task type, e.g. qmclone, qmstart, imgcopy. */
  type: string;
  /** Task subject, e.g. the source VMID of a clone; may be empty. */
  id: string;
  /** Who started it: user@realm, or user@realm!token for API tokens. */
  user: string;
}

const upidPattern =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

/**
 * Parses a UPID, or throws a TypeError naming what is wrong.
 *
 * @example
 * parseUpid('UPID:pve1:00001234:0000ABCD:65F0A1B2:qmclone:100:root@pam!slipway:')
 * // { node: 'pve1', pid: 4660, pstart: 43981, starttime: 1710268850, type: 'qmclone', id: '100', user: 'root@pam!slipway' }
 */
export function parseUpid(upid: string): Upid {
  const match = upidPattern.exec(upid);
  if (!match) throw new TypeError(`not a Proxmox task ID (UPID): "${upid}"`);
  const [, node, pid, pstart, starttime, type, id, user] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    node,
    pid: parseInt(pid, 16),
    pstart: parseInt(pstart, 16),
    starttime: parseInt(starttime, 16),
    type,
    id,
    user,
  };
}

/** Whether a value is a UPID, e.g. to tell a task answer from a synchronous one. */
export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && upidPattern.test(value);
}
