// Go-style durations as lifetime policies write them ("720h", "90m", "1h30m", "1.5h"),
// the form the Project and ClusterTemplate schemas accept. Hand-written: the one npm
// parser of this form in common use (`ms`) reads "1h30m" as invalid, and the grammar is
// a single regular expression.

const unitMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000 };

/**
 * Milliseconds in a Go-style duration of hours, minutes and seconds: `720h`, `90m`,
 * `1h30m`, `1.5h`, `45s`. Throws, naming the field, on anything else (no sign, no bare
 * number, no other unit).
 *
 * @example
 *   parseLifetime('1h30m'); // 5_400_000
 */
export function parseLifetime(text: string, field = 'duration'): number {
  const part = /(\d+(?:\.\d+)?)([hms])/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (!match) break;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? 0);
    at = part.lastIndex;
  }
  if (text.length === 0 || at !== text.length) {
    throw new Error(`${field}: "${text}" is not a duration like 720h, 90m or 1h30m`);
  }
  return Math.round(total);
}
