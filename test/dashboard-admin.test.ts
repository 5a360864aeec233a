// The dashboard's admin and account pages in real headless Chromium against a real
// server: the first admin creates a user and sets their password, creates a project with
// that user as a member, creates an API token and sees it once (then only its prefix),
// finds the project's creation in the audit log, views IP pools, publishes a template
// and a credential whose secret is write-only. The member then signs in with the password
// the admin set and finds no admin page in the navigation (and the API refuses them).
// Screenshots go to test-results/screenshots/admin-*.png.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request, type APIRequestContext, type Page, type Request } from 'playwright-core';
import {
  apiJson,
  openPage,
  screenshot,
  signIn,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-support.ts';

const api = '/apis/slipway.dev/v1alpha1';
const member = { name: 'alice', password: 'alice-password-2026' };
const project = 'course-101';
const pool = 'lab-pool';
const adminNav = ['Templates', 'IP pools', 'Users', 'Audit log'];

/** The navigation's entries, as the user sees them. */
async function navEntries(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  return (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
}

async function go(page: Page, entry: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: entry }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

interface ProjectSpec {
  members?: { user?: string; role: string }[];
  quota?: { clusters?: number };
  quotaLimit?: { clusters?: number };
}

describe('dashboard admin and account pages in Chromium', { timeout: 240_000 }, () => {
  let harness: DashboardHarness;
  let page: Page;
  /** Every API path the admin's browser asked for, to show secrets were never read. */
  const requested: string[] = [];
  const started = performance.now();

  const projectSpec = async () =>
    (await apiJson<{ spec: ProjectSpec }>(harness.adminApi, 'GET', `${api}/projects/${project}`))
      .spec;

  before(async () => {
    harness = await startDashboardHarness();
    // An IP pool with one address held, so the pools page has usage to show.
    await apiJson(harness.adminApi, 'POST', `${api}/ippools`, {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'IPPool',
      metadata: { name: pool },
      spec: { addresses: ['10.20.0.10-10.20.0.19'], prefix: 24, gateway: '10.20.0.1' },
    });
    page = await openPage(harness);
    page.on('request', (r: Request) =>
      requested.push(`${r.method()} ${new URL(r.url()).pathname}`),
    );
  });

  after(async () => {
    await harness?.close();
    process.stdout.write(
      `# dashboard admin browser test: ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(dashboard build ${harness?.buildSeconds.toFixed(1) ?? '?'} s)\n`,
    );
  });

  test('the admin signs in and sees the admin pages in the navigation', async () => {
    const password = harness.server.firstAdminPassword;
    assert.ok(password, 'the first start created the admin and returned its password');
    await page.goto('/');
    await signIn(page, 'admin', password);
    const entries = await navEntries(page);
    for (const entry of [...adminNav, 'Projects', 'My account']) {
      assert.ok(entries.includes(entry), `navigation has ${entry}: ${entries.join(', ')}`);
    }
  });

  test('the admin creates a user and sets their password', async () => {
    await go(page, 'Users', 'Users');
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('User name').fill(member.name);
    await page.getByLabel('Display name').fill('Alice Student');
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator(`tr[data-user="${member.name}"]`);
    await row.waitFor();
    // Disable and enable again: the flag is what the server stores.
    await row.getByRole('button', { name: `Disable ${member.name}` }).click();
    await row.getByText('Disabled').waitFor();
    const disabled = await apiJson<{ spec: { disabled?: boolean } }>(
      harness.adminApi,
      'GET',
      `${api}/users/${member.name}`,
    );
    assert.equal(disabled.spec.disabled, true);
    await row.getByRole('button', { name: `Enable ${member.name}` }).click();
    await row.getByText('Active').waitFor();
    // Nobody can disable themselves from here.
    assert.ok(
      await page
        .locator('tr[data-user="admin"]')
        .getByRole('button', { name: 'Disable admin' })
        .isDisabled(),
    );
    // A too-short password is refused by the server, and the reason shows beside the field.
    await row.getByRole('button', { name: `Set password of ${member.name}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New password', { exact: true }).fill('short');
    await dialog.getByLabel('New password again').fill('short');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    const fieldError = dialog.locator('#password-alice-new-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /12/);
    await dialog.getByLabel('New password', { exact: true }).fill(member.password);
    await dialog.getByLabel('New password again').fill(member.password);
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('Password changed.').waitFor();
    await screenshot(page, 'admin-users-password');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await screenshot(page, 'admin-users');
  });

  test('the admin creates a project with the user as a member', async () => {
    await go(page, 'Projects', 'Projects');
    // With the keyboard only: Enter opens the form, focus lands in Name, Tab moves on,
    // Enter sends.
    await page.getByRole('button', { name: 'New project' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('Name', { exact: true }).waitFor();
    assert.equal(await focusedId(page), 'project-name');
    await page.keyboard.type(project);
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'project-display');
    await page.keyboard.type('Course 101');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'project-member');
    await page.keyboard.type(member.name);
    await page.getByLabel('Their role').selectOption('member');
    await page.getByLabel('First member (user name)').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Course 101' }).waitFor();
    const row = page.locator(`[data-testid="members"] tr[data-member="${member.name}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /member/);
    // A quota and its limit, saved through the form, come back from the server.
    await page.getByLabel('Quota: Clusters').fill('3');
    await page.getByLabel('Limit: Clusters').fill('5');
    await page.getByRole('button', { name: 'Save quota' }).click();
    await waitFor(async () => {
      const p = await projectSpec();
      return p.quota?.clusters === 3 && p.quotaLimit?.clusters === 5;
    }, `quota of ${project} saved`);
    await page.locator('tr[data-resource="clusters"]').getByText('0 of 3').waitFor();
    await screenshot(page, 'admin-project');
    // Narrow (phone) width: the same page, one column.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      assert.equal(await overflow(page), 0, 'the project page fits a phone');
      await screenshot(page, 'admin-project-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  test('an API token is shown once, then only its prefix', async () => {
    await go(page, 'My account', 'My account');
    await page.getByLabel('What it is for').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor();
    const token = (await shown.innerText()).trim();
    const match = /^slw_([A-Za-z0-9]+)_\S{32,}$/.exec(token);
    assert.ok(match, `token has the slw_<prefix>_<secret> form: ${token.slice(0, 12)}…`);
    const prefix = match[1] ?? '';
    // The token works: the API knows whose it is.
    const whoami = await fetchJson<{ username: string }>(harness, '/auth/whoami', token);
    assert.equal(whoami.username, 'admin');
    await screenshot(page, 'admin-account-token-once');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await shown.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid="tokens"] tr[data-token]');
    await row.first().waitFor();
    const rowText = await page.getByTestId('tokens').innerText();
    assert.ok(rowText.includes(`slw_${prefix}_…`), `the list shows the prefix: ${rowText}`);
    assert.ok(!(await page.content()).includes(token), 'the full token is no longer on the page');
    // Reloading does not bring it back either: the server never stored it.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    await page.locator('[data-testid="tokens"] tr[data-token]').first().waitFor();
    assert.ok(!(await page.content()).includes(token));
    await screenshot(page, 'admin-account');
  });

  test('the audit log shows the project being created', async () => {
    await go(page, 'Audit log', 'Audit log');
    await page.getByLabel('Resource').fill('projects');
    await page.getByLabel('Verb').selectOption('create');
    // A create is POSTed to the collection, so its entry names the resource, not the object
    // (the audit log records the URL); the only project created over the API here is ours.
    const entry = page.locator(
      '[data-testid="audit-events"] tr[data-verb="create"][data-resource="projects"]',
    );
    // The log is written in batches: ask again until the entry is there.
    await waitFor(async () => {
      await page.getByRole('button', { name: 'Apply filters' }).click();
      return (await entry.count()) > 0;
    }, 'audit entry for the project creation');
    assert.equal(await entry.count(), 1);
    const name = await entry.getAttribute('data-name');
    if (name !== '') assert.equal(name, project);
    assert.match(await entry.innerText(), /admin/);
    assert.match(await entry.innerText(), /allowed 201/);
    await screenshot(page, 'admin-audit');
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      assert.equal(await overflow(page), 0, 'the audit log fits a phone');
      await screenshot(page, 'admin-audit-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }

    // More entries than one page (50): "Load more" follows the server's continue token.
    for (let i = 0; i < 60; i++) {
      await apiJson(harness.adminApi, 'POST', `${api}/projects?dryRun=All`, {
        apiVersion: 'slipway.dev/v1alpha1',
        kind: 'Project',
        metadata: { name: `dry-${i}` },
        spec: {},
      });
    }
    await page.getByLabel('Verb').selectOption('create');
    await page.getByLabel('Resource').fill('projects');
    const rows = page.locator('[data-testid="audit-events"] tbody tr');
    await waitFor(async () => {
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await rows.first().waitFor();
      return (await rows.count()) === 50;
    }, 'a first page of 50 entries');
    await page.getByRole('button', { name: 'Load more' }).click();
    await waitFor(async () => (await rows.count()) === 61, 'all 61 entries after Load more');
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);
    const texts = await rows.allInnerTexts();
    assert.ok(texts.at(-1)?.includes('allowed 201'), 'the oldest entry is the real create');
  });

  test('IP pools show their usage', async () => {
    await go(page, 'IP pools', 'IP pools');
    const row = page.locator(`tr[data-pool="${pool}"]`);
    await row.waitFor();
    await waitFor(
      async () => /0 of 10 allocated, 10 free/.test(await row.innerText()),
      'pool usage counted',
    );
    await screenshot(page, 'admin-ip-pools');
  });

  test('templates and credentials: list, create, secret written but never read', async () => {
    await go(page, 'Templates', 'Templates and credentials');
    await page.locator('tr[data-template]').first().waitFor();
    await page.locator('tr[data-credential="sim"]').waitFor();

    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name', { exact: true }).fill('k3s-tiny');
    await page.getByLabel('Version').fill('v1.31.4+k3s1');
    const schema = page.getByLabel('Values schema (YAML or JSON)');
    await schema.fill('type: object\nproperties: [unclosed');
    const schemaError = page.locator('#template-schema-error');
    await schemaError.waitFor();
    assert.match(await schemaError.innerText(), /not valid YAML or JSON/);
    assert.ok(await page.getByRole('button', { name: 'Create template' }).isDisabled());
    await schema.fill('type: object\nproperties:\n  workersNumber: { type: integer, minimum: 0 }');
    await page.getByLabel('Defaults (YAML or JSON)').fill('{"workersNumber": 1}');
    await page.getByLabel('Maximum cluster lifetime').fill('168h');
    await page.getByRole('button', { name: 'Create template' }).click();
    const template = page.locator('tr[data-template="k3s-tiny"]');
    await template.waitFor();
    await waitFor(async () => /Valid/.test(await template.innerText()), 'template checked');

    const secretValue = 'pve-token-secret-9c41d7e2';
    await page.getByRole('button', { name: 'New credential' }).click();
    await page.getByLabel('Name', { exact: true }).fill('lab-pve');
    await page
      .getByLabel('Settings (YAML or JSON, not secret)')
      .fill('url: https://127.0.0.1:1\ntokenId: slipway@pve!k8s');
    await page.locator('#credential-secret-value-0').fill(secretValue);
    await page.getByRole('button', { name: 'Create credential' }).click();
    const credential = page.locator('tr[data-credential="lab-pve"]');
    await credential.waitFor();
    assert.match(await credential.innerText(), /\bset\b/);
    await screenshot(page, 'admin-templates');

    // The values went to a Secret of the credential type, which the page never read back.
    const secret = await apiJson<{ type: string; data: Record<string, string> }>(
      harness.adminApi,
      'GET',
      `${api}/namespaces/slipway-system/secrets/lab-pve-credential`,
    );
    assert.equal(secret.type, 'slipway.dev/credential');
    assert.equal(Buffer.from(secret.data['tokenSecret'] ?? '', 'base64').toString(), secretValue);

    // Rotating the value: written into the Secret, again without reading it.
    const rotated = 'pve-token-secret-rotated-51ab';
    await credential.getByRole('button', { name: 'Set secret values of lab-pve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#secret-lab-pve-key-0').fill('tokenSecret');
    await dialog.locator('#secret-lab-pve-value-0').fill(rotated);
    await dialog.getByRole('button', { name: 'Save values' }).click();
    await dialog.getByText('Saved.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const after = await apiJson<{ data: Record<string, string> }>(
      harness.adminApi,
      'GET',
      `${api}/namespaces/slipway-system/secrets/lab-pve-credential`,
    );
    assert.equal(Buffer.from(after.data['tokenSecret'] ?? '', 'base64').toString(), rotated);
    const secretReads = requested.filter((r) => r.startsWith('GET') && r.includes('/secrets'));
    assert.deepEqual(secretReads, [], 'the dashboard never reads a Secret');
    assert.ok(!(await page.content()).includes(secretValue), 'the value is not on the page');
    assert.ok(!(await page.content()).includes(rotated), 'nor the new one');
  });

  test('the member signs in with the password the admin set and sees no admin pages', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn(page, member.name, member.password);
    const entries = await navEntries(page);
    for (const entry of adminNav) {
      assert.ok(!entries.includes(entry), `no ${entry} for a member: ${entries.join(', ')}`);
    }
    assert.ok(entries.includes('Projects') && entries.includes('My account'), entries.join(', '));
    await screenshot(page, 'admin-member-navigation');
    // Their project is listed, read-only for grants (no admin form).
    await go(page, 'Projects', 'Projects');
    await page.locator(`tr[data-project="${project}"]`).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Course 101' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save grants and lifetime' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Delete project' }).count(), 0);
    await screenshot(page, 'admin-member-project');
    // Typing an admin page's address shows a refusal, and the API refuses too.
    await page.goto('/manage/users');
    await page.getByText('This page is for administrators.').waitFor();
    // The API refuses them too: a list of users holds only themselves, creating one is
    // forbidden (with the session's CSRF token, so it is authorization that refuses).
    const refused = await page.evaluate(async (base) => {
      const who = (await (await fetch('/auth/whoami')).json()) as { csrfToken?: string };
      const list = (await (await fetch(`${base}/users`)).json()) as {
        items: { metadata: { name: string } }[];
      };
      const create = await fetch(`${base}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrfToken ?? '' },
        body: JSON.stringify({
          apiVersion: 'slipway.dev/v1alpha1',
          kind: 'User',
          metadata: { name: 'mallory' },
          spec: { admin: true },
        }),
      });
      return {
        listed: list.items.map((u) => u.metadata.name),
        status: create.status,
        message: ((await create.json()) as { message?: string }).message ?? '',
      };
    }, api);
    assert.deepEqual(refused.listed, [member.name]);
    assert.equal(refused.status, 403, refused.message);
    assert.doesNotMatch(refused.message, /CSRF/);
  });

  test('an owner changes the quota within the limit; beyond it the refusal is beside the field', async () => {
    const promoted = await harness.adminApi.fetch(`${api}/projects/${project}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      data: { spec: { members: [{ user: member.name, role: 'owner' }] } },
    });
    assert.equal(promoted.status(), 200, await promoted.text());
    await page.goto(`/manage/projects/${project}`);
    await page.getByRole('heading', { level: 1, name: 'Course 101' }).waitFor();
    await page.getByText('owner', { exact: true }).first().waitFor();
    assert.equal(await page.getByLabel('Limit: Clusters').count(), 0, 'only admins set limits');
    await page.getByLabel('Quota: Clusters').fill('10');
    await page.getByRole('button', { name: 'Save quota' }).click();
    const beside = page.locator('#quota-clusters-error');
    await beside.waitFor();
    assert.match(await beside.innerText(), /quotaLimit\.clusters \(5\)/);
    assert.equal(await page.getByLabel('Quota: Clusters').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'admin-owner-quota-refused');
    assert.equal((await projectSpec()).quota?.clusters, 3, 'the refused quota was not stored');
    await page.getByLabel('Quota: Clusters').fill('4');
    await page.getByRole('button', { name: 'Save quota' }).click();
    await beside.waitFor({ state: 'detached' });
    await waitFor(async () => (await projectSpec()).quota?.clusters === 4, 'owner quota saved');
  });

  test('a user changes their own password and revokes and deletes their own token', async () => {
    await go(page, 'My account', 'My account');
    const newPassword = 'alice-new-password-77';
    await page.getByLabel('Current password').fill('not-the-password');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByRole('button', { name: 'Set password' }).click();
    const beside = page.locator('#own-password-current-error');
    await beside.waitFor();
    assert.match(await beside.innerText(), /does not match the current password/);
    await page.getByLabel('Current password').fill(member.password);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Password changed.').waitFor();
    const login = (password: string) =>
      statusOf(harness, '/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        data: { username: member.name, password },
      });
    assert.equal(await login(newPassword), 200);
    assert.equal(await login(member.password), 401);

    await page.getByLabel('Name', { exact: true }).fill('alice-laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').innerText()).trim();
    await page.getByRole('button', { name: 'I have saved it' }).click();
    assert.equal(await fetchStatus(harness, '/auth/whoami', token), 200);
    const row = page.locator('tr[data-token="alice-laptop"]');
    await row.getByRole('button', { name: 'Revoke alice-laptop' }).click();
    await row.getByText('Revoked').waitFor();
    assert.equal(
      await fetchStatus(harness, '/auth/whoami', token),
      401,
      'a revoked token is refused',
    );
    await row.getByRole('button', { name: 'Delete alice-laptop' }).click();
    await row.waitFor({ state: 'detached' });
    const gone = await harness.adminApi.fetch(`${api}/apitokens/alice-laptop`);
    assert.equal(gone.status(), 404);
  });

  test('an admin deletes a project after typing its name', async () => {
    const admin = await openPage(harness);
    try {
      await apiJson(harness.adminApi, 'POST', `${api}/projects`, {
        apiVersion: 'slipway.dev/v1alpha1',
        kind: 'Project',
        metadata: { name: 'scratch' },
        spec: {},
      });
      await admin.goto('/manage/projects/scratch');
      await signIn(admin, 'admin', harness.server.firstAdminPassword ?? '');
      await admin.getByRole('button', { name: 'Delete project' }).click();
      const dialog = admin.getByRole('dialog');
      const confirm = dialog.getByRole('button', { name: 'Delete', exact: true });
      assert.ok(await confirm.isDisabled(), 'nothing is deleted before the name is typed');
      await dialog.getByLabel('Project name').fill('scratch');
      await confirm.click();
      await admin.getByRole('heading', { level: 1, name: 'Projects' }).waitFor();
      await waitFor(
        async () => (await harness.adminApi.fetch(`${api}/projects/scratch`)).status() === 404,
        'project deleted',
      );
    } finally {
      await admin.context().close();
    }
  });
});

/** The id of the focused element. */
async function focusedId(page: Page): Promise<string> {
  return page.evaluate('document.activeElement?.id ?? ""');
}

/**
 * How many pixels the page's content reaches past the right edge of <main> (> 0: it does
 * not fit). Measured inside <main>: the header around it is the layout's.
 */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const main = document.getElementById('main');
    const edge = main.getBoundingClientRect().right;
    let worst = 0;
    for (const e of main.querySelectorAll('*')) {
      worst = Math.max(worst, e.getBoundingClientRect().right - edge);
    }
    return Math.round(worst);
  })()`);
}

/** Poll `check` every 200 ms for up to 20 s. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The status of a request from a client with no cookies and no token but those given. */
async function statusOf(
  harness: DashboardHarness,
  path: string,
  options: Parameters<APIRequestContext['fetch']>[1] = {},
): Promise<number> {
  const client = await request.newContext({ baseURL: harness.server.url, ignoreHTTPSErrors: true });
  try {
    return (await client.fetch(path, options)).status();
  } finally {
    await client.dispose();
  }
}

/** The status of GET `path` with only a bearer token. */
function fetchStatus(harness: DashboardHarness, path: string, token: string): Promise<number> {
  return statusOf(harness, path, { headers: { authorization: `Bearer ${token}` } });
}

/** GET `path` with only a bearer token; the JSON answer. */
async function fetchJson<T>(harness: DashboardHarness, path: string, token: string): Promise<T> {
  const client = await request.newContext({ baseURL: harness.server.url, ignoreHTTPSErrors: true });
  try {
    const response = await client.fetch(path, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status(), 200, await response.text());
    return (await response.json()) as T;
  } finally {
    await client.dispose();
  }
}
