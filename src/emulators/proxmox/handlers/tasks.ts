// Worker tasks: list, status, log and stop, with PVE's ownership rule (other users' tasks
// need Sys.Audit, stopping them Sys.Modify, on the node).
import {
  optInt,
  optString,
  requireNode,
  requireString,
  WithTotal,
  type Handler,
  type HandlerContext,
} from '../core.ts';
import { parameterError } from '../errors.ts';
import { mayAny, requirePrivileges } from '../permission-check.ts';
import type { TaskRecord } from '../tasks.ts';
import { parseUpid } from '../upid.ts';

function taskOf(ctx: HandlerContext, privilege: 'Sys.Audit' | 'Sys.Modify'): TaskRecord {
  const node = requireNode(ctx);
  const upid = requireString(ctx, 'upid');
  const fields = parseUpid(upid);
  if (!fields) throw parameterError({ upid: 'unable to parse worker upid' });
  const task = ctx.core.tasks.get(upid);
  if (!task || fields.node !== node) throw parameterError({ upid: 'no such task' });
  if (task.user !== ctx.caller.userid) requirePrivileges(ctx.caller, `/nodes/${node}`, [privilege]);
  return task;
}

function statusOf(task: TaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user: task.user,
    status: task.status,
  };
  if (task.exitstatus !== undefined) out['exitstatus'] = task.exitstatus;
  return out;
}

const status: Handler = (ctx) => statusOf(taskOf(ctx, 'Sys.Audit'));

const log: Handler = (ctx) => {
  const task = taskOf(ctx, 'Sys.Audit');
  const start = optInt(ctx, 'start') ?? 0;
  const limit = optInt(ctx, 'limit') ?? 50;
  const lines = task.lines.slice(start, limit > 0 ? start + limit : undefined);
  return new WithTotal(
    lines.map((t, i) => ({ n: start + i + 1, t })),
    task.lines.length,
  );
};

const index: Handler = (ctx) => {
  taskOf(ctx, 'Sys.Audit');
  return [{ name: 'log' }, { name: 'status' }];
};

const stop: Handler = (ctx) => {
  const task = taskOf(ctx, 'Sys.Modify');
  task.abort.abort();
  return null;
};

const list: Handler = (ctx) => {
  const node = requireNode(ctx);
  const auditor = mayAny(ctx.caller, `/nodes/${node}`, ['Sys.Audit']);
  const vmid = optString(ctx, 'vmid');
  const type = optString(ctx, 'typefilter');
  const user = optString(ctx, 'userfilter');
  const errors = optString(ctx, 'errors') === '1';
  const source = optString(ctx, 'source') ?? 'archive';
  const since = optInt(ctx, 'since');
  const until = optInt(ctx, 'until');
  const tasks = ctx.core.tasks
    .list()
    .filter((t) => t.node === node && (auditor || t.user === ctx.caller.userid))
    .filter((t) => source === 'all' || (source === 'active') === (t.status === 'running'))
    .filter((t) => vmid === undefined || t.id === vmid)
    .filter((t) => type === undefined || t.type === type)
    .filter((t) => user === undefined || t.user.includes(user))
    .filter((t) => !errors || (t.exitstatus !== undefined && t.exitstatus !== 'OK'))
    .filter(
      (t) =>
        (since === undefined || t.starttime >= since) &&
        (until === undefined || t.starttime <= until),
    )
    .sort((a, b) => b.starttime - a.starttime);
  const start = optInt(ctx, 'start') ?? 0;
  const limit = optInt(ctx, 'limit') ?? 50;
  const page = tasks.slice(start, start + limit).map((t) => {
    const { exitstatus, status: _status, ...rest } = statusOf(t);
    return {
      ...rest,
      ...(exitstatus !== undefined ? { status: exitstatus } : {}),
      ...(t.endtime ? { endtime: t.endtime } : {}),
    };
  });
  return new WithTotal(page, tasks.length);
};

export const taskRoutes: [string, Handler][] = [
  ['GET /nodes/{node}/tasks', list],
  ['GET /nodes/{node}/tasks/{upid}', index],
  ['GET /nodes/{node}/tasks/{upid}/status', status],
  ['GET /nodes/{node}/tasks/{upid}/log', log],
  ['DELETE /nodes/{node}/tasks/{upid}', stop],
];
