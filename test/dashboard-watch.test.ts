// The dashboard's watch helper (web/src/api/watch.ts) against a scripted fetch: list,
// follow from the list's resourceVersion, resume where a stream ended, relist after 410.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { watchCollection, type WatchEventType } from '../web/src/api/watch.ts';

interface Obj {
  metadata: { name: string; resourceVersion?: string };
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** A response whose body is these NDJSON lines, then (unless `open`) the end. */
function stream(lines: unknown[], open = false, signal?: AbortSignal): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const line of lines)
        controller.enqueue(new TextEncoder().encode(`${JSON.stringify(line)}\n`));
      if (!open) controller.close();
      signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

const obj = (name: string, rv: string): Obj => ({ metadata: { name, resourceVersion: rv } });

test('lists, follows, resumes from the last version, and relists after 410 Expired', async () => {
  const requests: string[] = [];
  const answers: ((signal?: AbortSignal) => Response)[] = [
    () => Response.json({ metadata: { resourceVersion: '5' }, items: [obj('a', '3')] }),
    // A stream that ends after one change and a bookmark: resume from the bookmark's version.
    () =>
      stream([
        { type: 'MODIFIED', object: obj('a', '6') },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '8' } } },
      ]),
    // The resumed stream: its version was compacted away.
    () =>
      stream([
        {
          type: 'ERROR',
          object: {
            kind: 'Status',
            code: 410,
            reason: 'Expired',
            message: 'too old resource version',
          },
        },
      ]),
    // Relist, then a stream that stays open until the watch is stopped.
    () => Response.json({ metadata: { resourceVersion: '12' }, items: [obj('b', '11')] }),
    (signal) => stream([{ type: 'ADDED', object: obj('c', '13') }], true, signal),
  ];
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    requests.push(input instanceof Request ? input.url : input.toString());
    const next = answers.shift();
    if (!next) return new Promise<Response>(() => undefined);
    return Promise.resolve(next(init?.signal ?? undefined));
  };

  const seen: string[] = [];
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const stop = watchCollection<Obj>(
    { plural: 'clusterdeployments', namespace: 'team-a' },
    { labelSelector: 'x=y' },
    {
      onList: (items) => seen.push(`list ${items.map((i) => i.metadata.name).join(',')}`),
      onEvent: (type: WatchEventType, object) => {
        seen.push(`${type} ${object.metadata.name}`);
        if (object.metadata.name === 'c') resolveDone();
      },
      onError: (error) => {
        if (error) seen.push(`error ${error.status}`);
      },
    },
  );
  await done;
  stop();

  assert.deepEqual(seen, ['list a', 'MODIFIED a', 'list b', 'ADDED c']);
  const path = '/apis/slipway.dev/v1alpha1/namespaces/team-a/clusterdeployments';
  assert.deepEqual(requests, [
    `${path}?labelSelector=x%3Dy`,
    `${path}?watch=true&allowWatchBookmarks=true&resourceVersion=5&labelSelector=x%3Dy`,
    `${path}?watch=true&allowWatchBookmarks=true&resourceVersion=8&labelSelector=x%3Dy`,
    `${path}?labelSelector=x%3Dy`,
    `${path}?watch=true&allowWatchBookmarks=true&resourceVersion=12&labelSelector=x%3Dy`,
  ]);
});

test('a 403 is reported and not retried', async () => {
  let calls = 0;
  globalThis.fetch = () => {
    calls++;
    return Promise.resolve(
      Response.json(
        { kind: 'Status', code: 403, reason: 'Forbidden', message: 'no access' },
        { status: 403 },
      ),
    );
  };
  const errors: string[] = [];
  const reported = new Promise<void>((resolve) => {
    watchCollection<Obj>(
      { plural: 'machines', namespace: 'other' },
      {},
      {
        onList: () => assert.fail('no list expected'),
        onEvent: () => assert.fail('no event expected'),
        onError: (error) => {
          if (error) errors.push(`${error.status} ${error.reason} ${error.message}`);
          resolve();
        },
      },
    );
  });
  await reported;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(errors, ['403 Forbidden no access']);
  assert.equal(calls, 1);
});
