// Task identifiers in PVE's format (PVE::Tools::upid_encode):
// `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` with pid, pstart and
// starttime as upper-case hex of at least 8 digits, and a trailing colon.

export interface Upid {
  node: string;
  pid: number;
  /** Process start time in clock ticks since boot (from /proc/<pid>/stat). */
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  /** Worker type: qmclone, qmstart, imgcopy, … */
  type: string;
  /** Usually the VMID; empty for tasks without one (imgcopy). */
  id: string;
  /** `user@realm`, or `user@realm!tokenid` for API tokens. */
  user: string;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export function formatUpid(upid: Upid): string {
  return `UPID:${upid.node}:${hex8(upid.pid)}:${hex8(upid.pstart)}:${hex8(upid.starttime)}:${upid.type}:${upid.id}:${upid.user}:`;
}

/** The fields of a UPID, or undefined when it is not one (PVE: "unable to parse worker upid"). */
export function parseUpid(text: string): Upid | undefined {
  const match =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8,}):([0-9A-Fa-f]{8,}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(
      text,
    );
  if (!match) return undefined;
  return {
    node: match[1] ?? '',
    pid: parseInt(match[3] ?? '', 16),
    pstart: parseInt(match[4] ?? '', 16),
    starttime: parseInt(match[5] ?? '', 16),
    type: match[6] ?? '',
    id: match[7] ?? '',
    user: match[8] ?? '',
  };
}
