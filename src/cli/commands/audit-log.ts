// `slipway audit`: the server's audit log, newest first (administrators only). Talks to
// GET /apis/audit.slipway.dev/v1alpha1/auditevents and nothing else.
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { parseDuration } from '../duration.ts';
import { CliError } from '../errors.ts';
import { isRecord } from '../objects.ts';
import { formatTable } from '../table.ts';
import { globalOptions } from './global-options.ts';

const auditEventsPath = '/apis/audit.slipway.dev/v1alpha1/auditevents';
const pageLimit = 1000;

interface AuditOptions {
  user?: string;
  namespace?: string;
  verb?: string;
  resource?: string;
  since?: string;
  until?: string;
  limit: string;
  output?: string;
}

export function registerAudit(program: Command, ctx: CommandContext): void {
  program
    .command('audit')
    .summary('show the audit log (administrators)')
    .description(
      'Show who changed what, read which Secrets and kubeconfigs, and signed in or out,\n' +
        'newest first. Times are RFC 3339 or a duration back from now (--since 1h).',
    )
    .option('--user <name>', 'only this user (a failed login counts for the name tried)')
    .option('-n, --namespace <namespace>', 'only requests in this namespace')
    .option(
      '--verb <verb>',
      'only this verb: create, update, patch, delete, get, list, watch, post',
    )
    .option('--resource <plural>', 'only this resource, e.g. secrets or clusterdeployments')
    .option('--since <time>', 'entries at or after this time or duration ago, e.g. 1h')
    .option('--until <time>', 'entries before this time or duration ago')
    .option('--limit <n>', 'at most this many entries', '100')
    .option('-o, --output <format>', 'table (default) or json')
    .action(async (options: AuditOptions, command: Command) => {
      const query = auditQuery(options, ctx.now());
      const format = options.output ?? 'table';
      if (format !== 'table' && format !== 'json')
        throw new CliError(`--output: "${format}" is not one of table, json`);
      const wanted = Number(query['limit']);
      const client = await ctx.client(globalOptions(command));
      const items: Record<string, unknown>[] = [];
      let next: string | undefined;
      do {
        const page = await client.request<unknown>('GET', auditEventsPath, {
          query: {
            ...query,
            limit: String(Math.min(pageLimit, wanted - items.length)),
            ...(next ? { continue: next } : {}),
          },
        });
        items.push(...itemsOf(page));
        next = continueOf(page);
      } while (next !== undefined && items.length < wanted);
      ctx.out(format === 'json' ? `${JSON.stringify(items, null, 2)}\n` : auditTable(items));
    });
}

function timeParameter(flag: string, value: string | undefined, nowMs: number): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return value;
  try {
    return new Date(nowMs - parseDuration(value)).toISOString();
  } catch {
    throw new CliError(
      `${flag}: "${value}" is neither an RFC 3339 time nor a duration (e.g. 30m, 2h, 7d)`,
    );
  }
}

/** The query parameters the flags mean; bad values are refused naming the flag. */
export function auditQuery(options: AuditOptions, nowMs: number): Record<string, string> {
  const limit = Number(options.limit);
  if (!/^\d+$/.test(options.limit) || limit < 1)
    throw new CliError(`--limit: "${options.limit}" is not a positive whole number`);
  const query: Record<string, string> = { limit: String(limit) };
  for (const key of ['user', 'namespace', 'verb', 'resource'] as const) {
    const value = options[key];
    if (value !== undefined) query[key] = value;
  }
  const since = timeParameter('--since', options.since, nowMs);
  const until = timeParameter('--until', options.until, nowMs);
  if (since !== undefined) query['since'] = since;
  if (until !== undefined) query['until'] = until;
  return query;
}

function itemsOf(page: unknown): Record<string, unknown>[] {
  const items = isRecord(page) ? page['items'] : undefined;
  return Array.isArray(items) ? items.filter(isRecord) : [];
}

function continueOf(page: unknown): string | undefined {
  const metadata = isRecord(page) ? page['metadata'] : undefined;
  const token = isRecord(metadata) ? metadata['continue'] : undefined;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function text(item: Record<string, unknown>, key: string): string {
  const value = item[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** What was touched: `clusterdeployments/x/kubeconfig`, or the path of a non-resource request. */
function target(item: Record<string, unknown>): string {
  const resource = text(item, 'resource');
  if (resource === '') return text(item, 'path');
  return [resource, text(item, 'name'), text(item, 'subresource')].filter(Boolean).join('/');
}

/** The entries as a table: TIME USER VERB TARGET NAMESPACE CODE RESULT SOURCE MESSAGE. */
export function auditTable(items: readonly Record<string, unknown>[]): string {
  if (items.length === 0) return 'No audit entries found.\n';
  const rows = items.map((item) => [
    text(item, 'time'),
    text(item, 'user'),
    item['dryRun'] === true ? `${text(item, 'verb')} (dry run)` : text(item, 'verb'),
    target(item),
    text(item, 'namespace'),
    text(item, 'code'),
    text(item, 'result'),
    text(item, 'sourceIP'),
    text(item, 'message'),
  ]);
  return formatTable(
    ['TIME', 'USER', 'VERB', 'TARGET', 'NAMESPACE', 'CODE', 'RESULT', 'SOURCE', 'MESSAGE'],
    rows,
  );
}
