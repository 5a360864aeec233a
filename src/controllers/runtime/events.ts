// Kubernetes-style Events for the timelines users read. Like client-go's recorder:
// - repeats are one Event: the same involved object, type, reason and message always
//   map to the same name, `<object name>.<hash>`, and a repeat increments `count` and
//   moves `lastTimestamp` instead of creating another object;
// - a token bucket per object and reason (event-spam-filter.ts) bounds the writes;
// - recording never throws into the reconciler: failures are logged and dropped.
// Events live in the involved object's namespace. Events of cluster-scoped objects go
// to `slipway-system`, the namespace Slipway owns for fleet-wide objects, rather than
// `default` (as Kubernetes does), which here may be a project's own namespace whose
// members should not see events about global objects.
// Each Event names its object as a (non-controller) owner, so the garbage collector
// removes the timeline with the object.
import { createHash } from 'node:crypto';
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import type { Event } from '../../api/kinds/event.ts';
import { ApiVersion, SystemNamespace, type AnyResource } from '../../api/meta.ts';
import type { Store } from '../../store/types.ts';
import { EventSpamFilter, type SpamFilterOptions } from './event-spam-filter.ts';
import { silentLogger, type RuntimeLogger } from './logger.ts';

export type EventType = Event['type'];

export interface EventRecorderOptions {
  store: Store;
  /** `source.component`, e.g. `clusterdeployment-controller`. */
  component: string;
  clock?: () => Date;
  logger?: RuntimeLogger;
  spamFilter?: SpamFilterOptions;
}

/** Longest object name kept in an Event name (names are at most 253 characters). */
const maxNamePrefix = 253 - 1 - 16;
const writeAttempts = 4;

export class EventRecorder {
  readonly #store: Store;
  readonly #component: string;
  readonly #clock: () => Date;
  readonly #log: RuntimeLogger;
  readonly #spam: EventSpamFilter;
  /** Writes in progress per Event, so repeats of one Event queue instead of conflicting. */
  readonly #pending = new Map<string, Promise<void>>();

  constructor(opts: EventRecorderOptions) {
    this.#store = opts.store;
    this.#component = opts.component;
    this.#clock = opts.clock ?? (() => new Date());
    this.#log = opts.logger ?? silentLogger;
    this.#spam = new EventSpamFilter(opts.spamFilter);
  }

  normal(obj: AnyResource, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Normal', reason, message);
  }

  warning(obj: AnyResource, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Warning', reason, message);
  }

  /** Record that something happened to `obj`. Never rejects. */
  record(obj: AnyResource, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.#clock();
    const { kind, metadata } = obj;
    const namespace = metadata.namespace ?? SystemNamespace;
    const name = eventName(obj, type, reason, message);
    const spamKey = `${kind}/${metadata.namespace ?? ''}/${metadata.name}/${metadata.uid ?? ''}/${reason}`;
    if (!this.#spam.allow(spamKey, now.getTime())) {
      this.#log.debug(
        { kind, name: metadata.name, reason },
        'event dropped: too many for one object',
      );
      return Promise.resolve();
    }
    const timestamp = formatEventTime(now);
    const previous = this.#pending.get(name) ?? Promise.resolve();
    const write = previous
      .then(() => this.#write(obj, namespace, name, { type, reason, message, timestamp }))
      .catch((err: unknown) => {
        this.#log.warn({ err, kind, name: metadata.name, reason }, 'could not record event');
      })
      .finally(() => {
        if (this.#pending.get(name) === write) this.#pending.delete(name);
      });
    this.#pending.set(name, write);
    return write;
  }

  async #write(
    obj: AnyResource,
    namespace: string,
    name: string,
    what: { type: EventType; reason: string; message: string; timestamp: string },
  ): Promise<void> {
    for (let attempt = 0; attempt < writeAttempts; attempt++) {
      const existing = await this.#find(namespace, name);
      try {
        if (existing) {
          await this.#store.update<Event>({
            ...existing,
            count: (existing.count ?? 1) + 1,
            lastTimestamp: what.timestamp,
          });
        } else {
          await this.#store.create<Event>(this.#newEvent(obj, namespace, name, what));
        }
        return;
      } catch (err: unknown) {
        // Someone else wrote it in between (another process, or the GC deleted it):
        // read again and retry.
        const raced =
          isSlipwayError(err, StatusReason.Conflict) ||
          isSlipwayError(err, StatusReason.AlreadyExists) ||
          isSlipwayError(err, StatusReason.NotFound);
        if (!raced) throw err;
      }
    }
    throw new Error(
      `event ${namespace}/${name} kept changing; gave up after ${writeAttempts} tries`,
    );
  }

  async #find(namespace: string, name: string): Promise<Event | undefined> {
    try {
      return await this.#store.get<Event>('Event', namespace, name);
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  }

  #newEvent(
    obj: AnyResource,
    namespace: string,
    name: string,
    what: { type: EventType; reason: string; message: string; timestamp: string },
  ): Event {
    const { metadata } = obj;
    return {
      apiVersion: ApiVersion,
      kind: 'Event',
      metadata: {
        name,
        namespace,
        ...(metadata.uid
          ? {
              ownerReferences: [
                {
                  apiVersion: obj.apiVersion,
                  kind: obj.kind,
                  name: metadata.name,
                  uid: metadata.uid,
                },
              ],
            }
          : {}),
      },
      involvedObject: {
        kind: obj.kind,
        name: metadata.name,
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
        ...(metadata.uid ? { uid: metadata.uid } : {}),
      },
      type: what.type,
      reason: what.reason,
      message: what.message,
      count: 1,
      firstTimestamp: what.timestamp,
      lastTimestamp: what.timestamp,
      source: { component: this.#component },
    };
  }
}

/** The name shared by every repeat of one event: `<object name>.<16 hex digits>`. */
export function eventName(obj: AnyResource, type: string, reason: string, message: string): string {
  const { kind, metadata } = obj;
  const identity = [
    kind,
    metadata.namespace ?? '',
    metadata.name,
    metadata.uid ?? '',
    type,
    reason,
    message,
  ];
  const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
  // A cut name must still end in an alphanumeric character before the dot.
  const prefix = metadata.name.slice(0, maxNamePrefix).replace(/[^a-z0-9]+$/, '');
  return `${prefix}.${hash}`;
}

/** RFC 3339 with whole seconds, as every other timestamp Slipway stores. */
function formatEventTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
