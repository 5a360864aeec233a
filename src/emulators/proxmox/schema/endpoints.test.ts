// Every endpoint the Proxmox emulator serves, with a request and a response shaped like the ones
// Slipway and a real Proxmox VE 9 exchange: the request must route and validate, the response
// must pass `returns`, and a broken variant of each must be refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UNCHECKED_FORMATS, formatRegistry } from './formats.ts';
import { loadPveSchema } from './load.ts';
import { combineRequestParams, decodeUrlencoded } from './request.ts';
import type { PveParam } from './types.ts';

const schema = loadPveSchema();

const UPID = 'UPID:pve1:0000A1B2:0012C3D4:6650F00D:qmclone:9000:slipway@pve!ci:';
const TASK_UPID = 'UPID:pve1:0000A1B2:0012C3D4:6650F00D:qmstart:101:slipway@pve!ci:';

interface Case {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly template: string;
  /** The request path below /api2/json, decoded. */
  readonly path: string;
  /** Query or form body, as the client encodes it. */
  readonly form?: string;
  /** A JSON body instead of a form. */
  readonly json?: Record<string, unknown>;
  readonly data: unknown;
  /** The same response with one mistake `returns` must catch… */
  readonly badData: unknown;
  /** …reported at this path. */
  readonly badPath: string;
}

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

const CASES: readonly Case[] = [
  {
    method: 'GET',
    template: '/version',
    path: '/version',
    data: { version: '9.1.2', release: '9.1', repoid: '5b3b1a3c4d5e6f70' },
    badData: { version: '9.1.2', release: '9.1', repoid: 'not-hex' },
    badPath: 'data.repoid',
  },
  {
    method: 'POST',
    template: '/access/ticket',
    path: '/access/ticket',
    form: form({ username: 'slipway@pve', password: 'secret' }),
    data: {
      username: 'slipway@pve',
      ticket: 'PVE:slipway@pve:6650F00D::sig',
      CSRFPreventionToken: 'x',
    },
    badData: { ticket: 'PVE:slipway@pve:6650F00D::sig' },
    badPath: 'data.username',
  },
  {
    method: 'GET',
    template: '/access/permissions',
    path: '/access/permissions',
    data: {
      '/vms/100': { 'VM.Audit': 1, 'VM.Clone': 1 },
      '/storage/local': { 'Datastore.Audit': 1 },
    },
    badData: ['VM.Audit'],
    badPath: 'data',
  },
  {
    method: 'GET',
    template: '/cluster/nextid',
    path: '/cluster/nextid',
    form: form({ vmid: '101' }),
    data: '101', // a string on the wire; Perl's integer check takes it
    badData: 'one hundred',
    badPath: 'data',
  },
  {
    method: 'GET',
    template: '/cluster/resources',
    path: '/cluster/resources',
    form: form({ type: 'vm' }),
    data: [
      {
        id: 'qemu/101',
        type: 'qemu',
        node: 'pve1',
        vmid: 101,
        name: 'k3s-a-cp-0',
        status: 'running',
        template: 0,
        tags: 'slipway;demo',
        pool: 'slipway',
        mem: 1073741824,
        maxmem: 4294967296,
      },
    ],
    badData: [{ id: 'qemu/101', type: 'vm' }],
    badPath: 'data[0].type',
  },
  {
    method: 'GET',
    template: '/nodes',
    path: '/nodes',
    data: [{ node: 'pve1', status: 'online', cpu: 0.05, maxcpu: 8, mem: 1, maxmem: 2, uptime: 99 }],
    badData: [{ node: 'pve1', status: 'up' }],
    badPath: 'data[0].status',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/status',
    path: '/nodes/pve1/status',
    data: {
      cpu: 0.03,
      cpuinfo: { cores: 8, cpus: 16, model: 'AMD EPYC', sockets: 1 },
      'boot-info': { mode: 'efi', secureboot: 0 },
      'current-kernel': { machine: 'x86_64', release: '6.14', sysname: 'Linux', version: '#1' },
      loadavg: ['0.10', '0.20', '0.30'],
      memory: { available: 1, free: 1, total: 2, used: 1 },
      pveversion: 'pve-manager/9.1.2',
      rootfs: { avail: 1, free: 1, total: 2, used: 1 },
    },
    badData: { cpu: 0.03 },
    badPath: 'data.boot-info',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage',
    path: '/nodes/pve1/storage',
    form: form({ content: 'images,iso', enabled: '1' }),
    data: [
      {
        storage: 'local',
        type: 'dir',
        content: 'iso,vztmpl,backup',
        enabled: 1,
        active: 1,
        shared: 0,
        total: 100,
        used: 10,
        avail: 90,
      },
    ],
    badData: [{ storage: 'local', type: 'dir', content: 'iso,videos' }],
    badPath: 'data[0].content',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage/{storage}/content',
    path: '/nodes/pve1/storage/local/content',
    form: form({ content: 'iso' }),
    data: [{ volid: 'local:iso/seed-101.iso', format: 'iso', size: 372736, ctime: 1716580000 }],
    badData: [{ volid: 'local:iso/seed-101.iso', format: 'iso' }],
    badPath: 'data[0].size',
  },
  {
    method: 'POST',
    template: '/nodes/{node}/storage/{storage}/upload',
    path: '/nodes/pve1/storage/local/upload',
    // multipart: the `content` field, then the file part named `filename` (its file name)
    json: { content: 'iso', filename: 'seed-101.iso' },
    data: UPID,
    badData: { upid: UPID },
    badPath: 'data',
  },
  {
    method: 'DELETE',
    template: '/nodes/{node}/storage/{storage}/content/{volume}',
    path: '/nodes/pve1/storage/local/content/local:iso/seed-101.iso',
    data: UPID,
    badData: [UPID],
    badPath: 'data',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/network',
    path: '/nodes/pve1/network',
    form: form({ type: 'any_bridge' }),
    data: [
      {
        iface: 'vmbr0',
        type: 'bridge',
        active: 1,
        autostart: 1,
        bridge_ports: 'eno1',
        cidr: '10.0.0.2/24',
        address: '10.0.0.2',
        netmask: '255.255.255.0',
        gateway: '10.0.0.1',
        families: ['inet'],
        method: 'static',
      },
    ],
    badData: [{ iface: 'vmbr0', type: 'bridge', netmask: '255.255.0.255', address: '10.0.0.2' }],
    badPath: 'data[0].netmask',
  },
  {
    method: 'GET',
    template: '/pools',
    path: '/pools',
    form: form({ poolid: 'slipway' }),
    data: [
      {
        poolid: 'slipway',
        comment: 'managed',
        members: [{ id: 'qemu/101', node: 'pve1', type: 'qemu', vmid: 101 }],
      },
    ],
    badData: [{ comment: 'no id' }],
    badPath: 'data[0].poolid',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu',
    path: '/nodes/pve1/qemu',
    form: form({ full: '1' }),
    data: [
      {
        vmid: 101,
        status: 'running',
        name: 'k3s-a-cp-0',
        cpus: 2,
        maxmem: 1,
        mem: 1,
        tags: 'slipway',
      },
    ],
    badData: [{ vmid: 42, status: 'running' }],
    badPath: 'data[0].vmid',
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/clone',
    path: '/nodes/pve1/qemu/9000/clone',
    form: form({
      newid: '101',
      name: 'k3s-a-cp-0',
      target: 'pve1',
      full: '1',
      storage: 'local-lvm',
      format: 'raw',
      pool: 'slipway',
      description: 'Managed by Slipway: cluster a, machine cp-0',
    }),
    data: UPID,
    badData: { upid: UPID },
    badPath: 'data',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/config',
    path: '/nodes/pve1/qemu/101/config',
    form: form({ current: '1' }),
    data: {
      digest: 'a4f3c2d1e0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5',
      name: 'k3s-a-cp-0',
      cores: 2,
      memory: '4096',
      boot: 'order=scsi0;ide2;net0',
      scsi0: 'local-lvm:vm-101-disk-0,size=32G',
      ide2: 'local:iso/seed-101.iso,media=cdrom,size=364K',
      net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,tag=20',
      agent: '1',
      tags: 'slipway;demo',
      lock: 'clone',
    },
    badData: {
      digest: 'a4f3c2d1',
      net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,tag=9999',
    },
    badPath: 'data.net0',
  },
  {
    method: 'PUT',
    template: '/nodes/{node}/qemu/{vmid}/resize',
    path: '/nodes/pve1/qemu/101/resize',
    form: form({ disk: 'scsi0', size: '+8G' }),
    data: UPID,
    badData: { task: UPID },
    badPath: 'data',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/status/current',
    path: '/nodes/pve1/qemu/101/status/current',
    data: {
      vmid: 101,
      status: 'running',
      qmpstatus: 'running',
      agent: 1,
      name: 'k3s-a-cp-0',
      uptime: 120,
      cpus: 2,
      maxmem: 4294967296,
      mem: 1073741824,
      maxdisk: 34359738368,
      disk: 0,
      pid: 4242,
      ha: { managed: 0 },
    },
    badData: { vmid: 101, status: 'running' },
    badPath: 'data.ha',
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/start',
    path: '/nodes/pve1/qemu/101/status/start',
    form: form({ timeout: '60' }),
    data: TASK_UPID,
    badData: null,
    badPath: 'data',
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/stop',
    path: '/nodes/pve1/qemu/101/status/stop',
    form: form({ timeout: '30', 'overrule-shutdown': '1' }),
    data: TASK_UPID,
    badData: null,
    badPath: 'data',
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/shutdown',
    path: '/nodes/pve1/qemu/101/status/shutdown',
    form: form({ timeout: '120', forceStop: '1' }),
    data: TASK_UPID,
    badData: null,
    badPath: 'data',
  },
  {
    method: 'DELETE',
    template: '/nodes/{node}/qemu/{vmid}',
    path: '/nodes/pve1/qemu/101',
    form: form({ purge: '1', 'destroy-unreferenced-disks': '1' }),
    data: TASK_UPID,
    badData: null,
    badPath: 'data',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    path: '/nodes/pve1/qemu/101/agent/network-get-interfaces',
    data: {
      result: [
        {
          name: 'eth0',
          'hardware-address': 'bc:24:11:2e:c5:4a',
          'ip-addresses': [{ 'ip-address': '10.0.0.10', 'ip-address-type': 'ipv4', prefix: 24 }],
        },
      ],
    },
    badData: [{ name: 'eth0' }],
    badPath: 'data',
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/agent/exec',
    path: '/nodes/pve1/qemu/101/agent/exec',
    json: { command: ['/bin/sh', '-c', 'cat /var/lib/rancher/k3s/server/node-token'] },
    data: { pid: 1234 },
    badData: { pid: 'soon' },
    badPath: 'data.pid',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/agent/exec-status',
    path: '/nodes/pve1/qemu/101/agent/exec-status',
    form: form({ pid: '1234' }),
    data: { exited: 1, exitcode: 0, 'out-data': 'K10abc::server:xyz\n' },
    badData: { exitcode: 0 },
    badPath: 'data.exited',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}/status',
    path: `/nodes/pve1/tasks/${TASK_UPID}/status`,
    data: {
      upid: TASK_UPID,
      node: 'pve1',
      pid: 41394,
      pstart: 1229780,
      starttime: 1716580365,
      type: 'qmstart',
      id: '101',
      user: 'slipway@pve!ci',
      status: 'stopped',
      exitstatus: 'OK',
    },
    badData: { upid: TASK_UPID, status: 'done' },
    badPath: 'data.id',
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}/log',
    path: `/nodes/pve1/tasks/${TASK_UPID}/log`,
    form: form({ start: '0', limit: '500' }),
    data: [
      { n: 1, t: 'generating cloud-init ISO' },
      { n: 2, t: 'TASK OK' },
    ],
    badData: [{ n: 1 }],
    badPath: 'data[0].t',
  },
];

/** Routes and merges a case's request the way the emulator will. */
function request(c: Case): Record<string, unknown> {
  const matched = schema.match(c.method, c.path);
  assert.ok(matched.ok, `${c.method} ${c.path}: ${matched.ok ? '' : matched.message}`);
  assert.equal(matched.endpoint.pathTemplate, c.template);
  const fields = c.json ?? decodeUrlencoded(c.form ?? '');
  const asQuery = c.method === 'GET' || c.method === 'DELETE';
  const combined = combineRequestParams({
    pathParams: matched.pathParams,
    ...(asQuery ? { query: fields } : { body: fields }),
  });
  assert.ok(combined.ok);
  return combined.params;
}

for (const c of CASES) {
  test(`${c.method} ${c.template}: a realistic request validates and its response passes returns`, () => {
    const params = request(c);
    const endpoint = schema.endpoint(c.method, c.template);
    assert.ok(endpoint);
    const checked = schema.validate(endpoint, params);
    assert.deepEqual(checked.ok ? {} : checked.errors, {});
    assert.deepEqual(schema.checkReturns(endpoint, c.data), []);
    const problems = schema.checkReturns(endpoint, c.badData);
    assert.ok(
      problems.some((problem) => problem.startsWith(`${c.badPath}: `)),
      `expected a problem at ${c.badPath}, got ${JSON.stringify(problems)}`,
    );
  });

  test(`${c.method} ${c.template}: an unknown parameter is refused`, () => {
    const endpoint = schema.endpoint(c.method, c.template);
    assert.ok(endpoint);
    const checked = schema.validate(endpoint, { ...request(c), 'slipway-extra': '1' });
    assert.deepEqual(checked.ok ? {} : checked.errors, {
      'slipway-extra':
        'property is not defined in schema and the schema does not allow additional properties',
    });
  });
}

test('the cases cover every served endpoint once (config writes: vm-config.test.ts)', () => {
  const served = new Set(CASES.map((c) => `${c.method} ${c.template}`));
  assert.equal(served.size, CASES.length);
  assert.equal(served.size, 27);
});

test('every format the served endpoints use is implemented or listed as unchecked', () => {
  const registry = formatRegistry({ 'pve-qm-ide': {} });
  const names = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    if (value === null || typeof value !== 'object') return;
    const format = (value as PveParam).format;
    if (typeof format === 'string') names.add(format);
    Object.values(value).forEach(collect);
  };
  const templates = [
    ...CASES.map((c) => [c.method, c.template] as const),
    ['POST', '/nodes/{node}/qemu/{vmid}/config'] as const,
    ['PUT', '/nodes/{node}/qemu/{vmid}/config'] as const,
  ];
  for (const [method, template] of templates) {
    const endpoint = schema.endpoint(method, template);
    assert.ok(endpoint, template);
    collect(endpoint.parameters);
    collect(endpoint.returns);
  }
  const missing = [...names].filter((name) => {
    const base = name.replace(/-(list|opt)$/, '');
    return !registry.has(base) && !UNCHECKED_FORMATS.has(name) && !UNCHECKED_FORMATS.has(base);
  });
  assert.deepEqual(missing, []);
  assert.ok(names.size > 30, `only ${names.size} formats found`);
});
