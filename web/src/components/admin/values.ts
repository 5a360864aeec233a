// The pure halves of the admin forms: times between `datetime-local` boxes and RFC 3339,
// quota boxes as a merge patch, and the audit log's query.
import type { Quota } from './types.ts';
import { quotaResources } from './types.ts';

/** `datetime-local` text (the browser's time zone) as RFC 3339; undefined when empty. */
export function localTimeToRfc3339(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** RFC 3339 as `datetime-local` text in the browser's time zone ('' when absent or bad). */
export function toLocalInput(time: string | undefined): string {
  if (time === undefined) return '';
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** The text of each quota box. */
export type QuotaDraft = Record<keyof Quota, string>;

export function quotaDraft(quota: Quota | undefined): QuotaDraft {
  const text = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    clusters: text(quota?.clusters),
    machines: text(quota?.machines),
    vcpu: text(quota?.vcpu),
    memoryMiB: text(quota?.memoryMiB),
    diskGiB: text(quota?.diskGiB),
  };
}

/** A merge patch of a quota: numbers, and null for the boxes left empty (removes them). */
export function quotaPatch(draft: QuotaDraft): Record<string, number | null> {
  const patch: Record<string, number | null> = {};
  for (const { key } of quotaResources) {
    const text = draft[key].trim();
    patch[key] = text === '' ? null : Number(text);
  }
  return patch;
}

/** What is wrong with a quota box's text, if anything (empty is "no quota"). */
export function badQuotaNumber(text: string): string[] {
  return text.trim() !== '' && !/^\d+$/.test(text.trim()) ? ['must be a whole number ≥ 0'] : [];
}

export interface AuditFilters {
  user: string;
  namespace: string;
  verb: string;
  resource: string;
  /** `datetime-local` text; empty for no limit. */
  since: string;
}

/** Entries per page of the audit log. */
export const auditPageSize = 50;

/** The query of one audit page: the filters given, `since` as RFC 3339, where to continue. */
export function auditQuery(
  filters: AuditFilters,
  next?: string,
): Record<string, string | undefined> {
  const given = (value: string) => (value.trim() === '' ? undefined : value.trim());
  return {
    user: given(filters.user),
    namespace: given(filters.namespace),
    verb: given(filters.verb),
    resource: given(filters.resource),
    since: localTimeToRfc3339(filters.since),
    limit: String(auditPageSize),
    continue: next,
  };
}

/** One row of secret values typed into a form. */
export interface SecretRow {
  key: string;
  value: string;
}

/** What is wrong with the rows: a value without a key, or a key given twice. */
export function secretRowProblems(rows: SecretRow[]): string[] {
  const filled = rows.filter((r) => r.key.trim() !== '' || r.value !== '');
  if (filled.some((r) => r.key.trim() === '')) return ['every value needs a key'];
  if (new Set(filled.map((r) => r.key.trim())).size !== filled.length)
    return ['a key is given twice'];
  return [];
}

/** The rows with a value, as Secret `stringData`. */
export function secretValues(rows: SecretRow[]): Record<string, string> {
  return Object.fromEntries(
    rows.filter((r) => r.key.trim() !== '' && r.value !== '').map((r) => [r.key.trim(), r.value]),
  );
}
