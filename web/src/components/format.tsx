// Small display helpers: ages, phases, conditions.
import type { Condition } from '../api/types.ts';

/** "5s", "3m", "2h", "4d" since `timestamp`, as kubectl prints ages. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function Time(props: { value: string | undefined }) {
  if (!props.value) return <span>—</span>;
  return (
    <time dateTime={props.value} title={new Date(props.value).toLocaleString()}>
      {age(props.value)} ago
    </time>
  );
}

/** A point in time in the browser's locale, or `none` when there is none. */
export function LocalTime(props: { value: string | undefined; none?: string }) {
  if (!props.value) return <>{props.none ?? '—'}</>;
  return <time dateTime={props.value}>{new Date(props.value).toLocaleString()}</time>;
}

const phaseTone: Record<string, string> = {
  Ready: 'good',
  Running: 'good',
  Provisioning: 'busy',
  Provisioned: 'busy',
  Bootstrapping: 'busy',
  Pending: 'busy',
  Scaling: 'busy',
  Upgrading: 'busy',
  Deleting: 'busy',
  Hibernated: 'idle',
  Degraded: 'bad',
  Failed: 'bad',
};

/** A phase as a coloured badge; the word is always there, colour is only a hint. */
export function PhaseBadge(props: { phase: string | undefined; deleting?: boolean }) {
  const phase = props.deleting ? 'Deleting' : (props.phase ?? 'Pending');
  return <span className={`badge badge-${phaseTone[phase] ?? 'idle'}`}>{phase}</span>;
}

/**
 * A condition's status for a table cell: True / False / Unknown coloured by
 * `status-*`, the reason when `withReason`, and the message under it when False.
 */
export function ConditionStatus(props: { condition: Condition | undefined; withReason?: boolean }) {
  const c = props.condition;
  return (
    <>
      <span className={`status-${(c?.status ?? 'unknown').toLowerCase()}`}>
        {c?.status ?? 'Unknown'}
      </span>
      {props.withReason && c?.reason && <span className="muted"> ({c.reason})</span>}
      {c?.status === 'False' && c.message && <div className="field-error">{c.message}</div>}
    </>
  );
}

/** The condition of a type, if the object reports it. */
export function condition(conditions: Condition[] | undefined, type: string) {
  return conditions?.find((c) => c.type === type);
}
