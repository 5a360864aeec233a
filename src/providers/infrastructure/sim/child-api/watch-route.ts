// `?watch=true`: a newline-delimited JSON stream of {type, object} events. Without a
// resourceVersion (or with "0") the stream starts with ADDED events for what exists,
// as the Kubernetes API server does; with one it replays what changed after it, or
// sends an ERROR event with a 410 Expired Status when that is too old.
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import { statusBody } from './http.ts';
import { groupOf, type KubeObject } from './objects.ts';
import type { ObjectRequest } from './object-routes.ts';
import type { ResourceInfo } from './resources.ts';
import { matchesFilter, type ListFilter } from './selectors.ts';
import { toTable, type IncludeObject } from './table.ts';

/** Open watch streams, so closing the server can end them. */
export class WatchRegistry {
  readonly #open = new Set<() => void>();

  add(end: () => void): () => void {
    this.#open.add(end);
    return () => {
      this.#open.delete(end);
    };
  }

  endAll(): void {
    for (const end of [...this.#open]) end();
    this.#open.clear();
  }
}

export interface WatchOptions {
  table: boolean;
  include: IncludeObject;
  filter: ListFilter;
  /** What the list would return now: sent as ADDED when the watch starts from "now". */
  initial: KubeObject[];
}

export function serveWatch(
  request: ObjectRequest,
  info: ResourceInfo,
  options: WatchOptions,
): void {
  const { registry, clusterId, query, res, req } = request;
  const from = query.get('resourceVersion') ?? '';
  const fromRevision = from === '' || from === '0' ? registry.revision : Number(from);
  if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) {
    throw new SlipwayError(StatusReason.BadRequest, `invalid resourceVersion "${from}"`);
  }
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();
  const send = (type: string, obj: KubeObject) => {
    const object = options.table
      ? toTable(
          info.kind,
          [obj],
          obj.metadata.resourceVersion ?? '',
          options.include,
          request.now(),
        )
      : obj;
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  if (from === '' || from === '0') for (const obj of options.initial) send('ADDED', obj);

  let ended = false;
  let stopSubscription = () => {};
  let forget: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    stopSubscription();
    forget();
    if (timer) clearTimeout(timer);
    res.end();
  };
  const subscription = registry.watch(
    clusterId,
    fromRevision,
    (event) => {
      const obj = event.object;
      if (obj.kind !== info.kind || groupOf(obj.apiVersion) !== info.group) return;
      if (
        info.namespaced &&
        request.path.namespace !== undefined &&
        obj.metadata.namespace !== request.path.namespace
      )
        return;
      if (!matchesFilter(options.filter, obj)) return;
      send(event.type, { ...obj, apiVersion });
    },
    end,
  );
  if (subscription === 'expired') {
    const gone = new SlipwayError(
      StatusReason.Gone,
      `too old resource version: ${fromRevision} (${registry.revision})`,
    );
    res.write(`${JSON.stringify({ type: 'ERROR', object: statusBody(gone) })}\n`);
    res.end();
    return;
  }
  stopSubscription = () => subscription.stop();
  forget = request.watches.add(end);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
  if (timeoutSeconds > 0) timer = setTimeout(end, timeoutSeconds * 1000);
  req.on('close', end);
  res.on('close', end);
}
