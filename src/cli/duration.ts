// Durations users type (`30s`, `5m`, `1h30m`) and ages shown the way kubectl shows them.

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Milliseconds in a Go-style duration: `500ms`, `30s`, `5m`, `1h30m`, `1.5h`, `2d`.
 * A bare number counts as seconds. Throws on anything else.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let consumed = 0;
  while (consumed < trimmed.length) {
    part.lastIndex = consumed;
    const match = part.exec(trimmed);
    if (!match) break;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? 0);
    consumed = part.lastIndex;
  }
  if (trimmed.length === 0 || consumed !== trimmed.length) {
    throw new Error(`invalid duration "${text}" (use e.g. 30s, 5m, 1h30m)`);
  }
  return Math.round(total);
}

/**
 * A duration as kubectl prints ages (`5s`, `3m20s`, `45m`, `2h`, `4d`, `2y30d`):
 * precise while the value is small, coarser as it grows.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.floor(hours / 24);
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * How long ago `timestamp` was (`3m`); `in 4d` for a time in the future (token expiry);
 * `<unknown>` when it does not parse.
 */
export function formatAge(timestamp: string, nowMs: number): string {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return '<unknown>';
  const elapsed = nowMs - at;
  // Up to a second of clock skew between client and server still reads as "0s".
  if (elapsed < -1000) return `in ${humanDuration(-elapsed)}`;
  return humanDuration(elapsed);
}
