// IP address arithmetic for IPPools: addresses as BigInts, ranges as closed intervals,
// and sets of ranges kept sorted and merged. Parsing is strict (node:net's isIP, no
// zone ids); IPv6 is read and written by the `ip-address` library, so the text form
// is RFC 5952's (`2001:db8::1`, never `2001:0db8:0:0:0:0:0:1`).
import { isIP } from 'node:net';
import { Address4, Address6 } from 'ip-address';

export type IPFamily = 4 | 6;

/** One address. */
export interface IPValue {
  family: IPFamily;
  value: bigint;
}

/** A closed interval of addresses of one family: `first` to `last`, both included. */
export interface AddressRange {
  family: IPFamily;
  first: bigint;
  last: bigint;
}

const bits: Record<IPFamily, number> = { 4: 32, 6: 128 };

/** Address width in bits: 32 or 128. */
export function familyBits(family: IPFamily): number {
  return bits[family];
}

/** The address, or undefined when `text` is not one IPv4 or IPv6 address. */
export function parseAddress(text: string): IPValue | undefined {
  const family = isIP(text);
  if ((family !== 4 && family !== 6) || text.includes('%')) return undefined;
  const value = family === 4 ? new Address4(text).bigInt() : new Address6(text).bigInt();
  return { family, value };
}

/** The canonical text of an address (RFC 5952 for IPv6). */
export function formatAddress(family: IPFamily, value: bigint): string {
  return family === 4
    ? Address4.fromBigInt(value).correctForm()
    : Address6.fromBigInt(value).correctForm();
}

/** The canonical text of an address given as text; undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const parsed = parseAddress(text);
  return parsed ? formatAddress(parsed.family, parsed.value) : undefined;
}

/** The subnet of `prefix` bits around `value`: network address to last address. */
export function subnetOf(family: IPFamily, value: bigint, prefix: number): AddressRange {
  const hostBits = BigInt(bits[family] - prefix);
  const size = 1n << hostBits;
  const first = (value >> hostBits) << hostBits;
  return { family, first, last: first + size - 1n };
}

export type ParsedRange = { ok: true; range: AddressRange } | { ok: false; message: string };

/**
 * `10.0.0.10-10.0.0.50` (a range, both ends included), `10.0.1.0/28` (a CIDR, every
 * address of the block) or `10.0.0.7` (one address).
 *
 * @example
 * parseRange('10.0.0.10-10.0.0.12') // { ok: true, range: { family: 4, first: …10n, last: …12n } }
 */
export function parseRange(text: string): ParsedRange {
  const trimmed = text.trim();
  const dash = trimmed.indexOf('-');
  if (dash >= 0) {
    const from = parseAddress(trimmed.slice(0, dash).trim());
    const to = parseAddress(trimmed.slice(dash + 1).trim());
    if (!from || !to) return { ok: false, message: 'a range must be two addresses: "first-last"' };
    if (from.family !== to.family)
      return { ok: false, message: 'the ends are of different families' };
    if (from.value > to.value) return { ok: false, message: 'the first address is after the last' };
    return { ok: true, range: { family: from.family, first: from.value, last: to.value } };
  }
  const slash = trimmed.indexOf('/');
  if (slash >= 0) {
    const base = parseAddress(trimmed.slice(0, slash));
    const lengthText = trimmed.slice(slash + 1);
    if (!base) return { ok: false, message: 'a CIDR must be "address/prefix"' };
    const length = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : NaN;
    if (!Number.isInteger(length) || length > bits[base.family]) {
      return { ok: false, message: `the prefix length must be 0–${bits[base.family]}` };
    }
    return { ok: true, range: subnetOf(base.family, base.value, length) };
  }
  const single = parseAddress(trimmed);
  if (!single) return { ok: false, message: 'not an address, a range ("first-last") or a CIDR' };
  return { ok: true, range: { family: single.family, first: single.value, last: single.value } };
}

/** `10.0.0.1-10.0.0.9`, or the single address when the range holds one. */
export function formatRange(range: AddressRange): string {
  const first = formatAddress(range.family, range.first);
  return range.first === range.last ? first : `${first}-${formatAddress(range.family, range.last)}`;
}

/** Whether `inner` lies wholly inside `outer`. */
export function rangeWithin(inner: AddressRange, outer: AddressRange): boolean {
  return inner.family === outer.family && inner.first >= outer.first && inner.last <= outer.last;
}

/** Sorted, with overlapping and touching ranges joined. All must be of one family. */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: AddressRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.first <= last.last + 1n) {
      if (range.last > last.last) last.last = range.last;
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/** `from` without the addresses in `minus`; both merged (see mergeRanges). */
export function subtractRanges(
  from: readonly AddressRange[],
  minus: readonly AddressRange[],
): AddressRange[] {
  const out: AddressRange[] = [];
  let j = 0;
  for (const range of from) {
    let first = range.first;
    while (j < minus.length && (minus[j]?.last ?? 0n) < first) j++;
    let k = j;
    for (; k < minus.length; k++) {
      const cut = minus[k];
      if (!cut || cut.first > range.last) break;
      if (cut.first > first) out.push({ family: range.family, first, last: cut.first - 1n });
      if (cut.last >= range.last) {
        first = range.last + 1n;
        break;
      }
      first = cut.last + 1n;
    }
    if (first <= range.last) out.push({ family: range.family, first, last: range.last });
  }
  return out;
}

/** How many addresses the (merged) ranges hold. */
export function countAddresses(ranges: readonly AddressRange[]): bigint {
  return ranges.reduce((sum, r) => sum + (r.last - r.first + 1n), 0n);
}
