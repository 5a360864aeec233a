// The first admin as an operator meets it: `slipway server` prints the generated password
// once, keeps it in DATA/admin.password (0600), and a second start neither prints nor
// changes it. The password logs into the API over real HTTP; the admin token still works.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { startServerProcess, withTempDir, type ServerProcess } from './support.ts';

async function started(server: ServerProcess): Promise<string> {
  for (let i = 0; i < 500 && !server.output().includes('Press Ctrl-C'); i++) await delay(10);
  return server.output();
}

async function login(url: string, password: string) {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  return { status: res.status, cookie: res.headers.get('set-cookie') ?? '' };
}

test('the first admin: password printed once, kept 0600, not regenerated', async () => {
  await withTempDir('slipway-first-admin-', async (dataDir) => {
    const passwordPath = join(dataDir, 'admin.password');
    const first = await startServerProcess(dataDir, ['--insecure-http']);
    let password: string;
    try {
      const output = await started(first);
      password = (await readFile(passwordPath, 'utf8')).trim();
      assert.ok(password.length >= 20);
      assert.equal((await stat(passwordPath)).mode & 0o777, 0o600);
      assert.equal(output.split(password).length - 1, 1, 'printed exactly once');
      assert.match(output, new RegExp(`user: admin\\s+password: ${password}`));

      const session = await login(first.url, password);
      assert.equal(session.status, 200);
      assert.match(session.cookie, /^slipway_session=[^;]+;.*HttpOnly/);
      const cookie = session.cookie.split(';')[0] ?? '';
      const me = await fetch(`${first.url}/auth/whoami`, { headers: { cookie } });
      assert.equal(me.status, 200);
      const body = (await me.json()) as { username: string; admin: boolean };
      assert.deepEqual([body.username, body.admin], ['admin', true]);

      const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
      const byToken = await fetch(`${first.url}/auth/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(((await byToken.json()) as { username: string }).username, 'admin');
      assert.equal((await login(first.url, `${password}x`)).status, 401);
    } finally {
      assert.equal(await first.stop(), 0);
    }

    const second = await startServerProcess(dataDir, ['--insecure-http']);
    try {
      const output = await started(second);
      assert.ok(!output.includes(password), 'not printed again');
      assert.ok(!output.includes('First start'));
      assert.equal((await readFile(passwordPath, 'utf8')).trim(), password);
      assert.equal((await login(second.url, password)).status, 200);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
