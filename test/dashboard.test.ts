// The dashboard in real headless Chromium against a real server: the first admin signs
// in with the generated password, creates a sim cluster from the generated form, watches
// it become Ready without a reload, scales it, downloads its kubeconfig and deletes it
// after typing its name; a project viewer sees no create button and the API refuses
// their create. Screenshots of the main pages go to test-results/screenshots/.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import {
  apiJson,
  eventually,
  openPage,
  screenshot,
  signIn,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-support.ts';

const api = '/apis/slipway.dev/v1alpha1';
const project = 'team-a';
const cluster = 'web-demo';
const viewer = { name: 'vera', password: 'viewer-password-123' };
const member = { name: 'mia', password: 'member-password-456' };
/** Templates granted to the project: one, and the one it may upgrade to. */
const grantedTemplates = ['sim-k3s-single', 'sim-k3s-single-1-31'] as const;

interface ClusterObject {
  spec: { config?: { workersNumber?: number } };
  status?: { phase?: string; readyNodes?: string };
}

/** Mark the document; a reload or full navigation loses the mark. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as { dashboardTestMark?: number }).dashboardTestMark = 1;
  });
}

async function documentMarked(page: Page): Promise<boolean> {
  return page.evaluate(
    () => (globalThis as { dashboardTestMark?: number }).dashboardTestMark === 1,
  );
}

describe('dashboard in Chromium', { timeout: 240_000 }, () => {
  let harness: DashboardHarness;
  let adminPage: Page;
  const started = performance.now();

  before(async () => {
    harness = await startDashboardHarness();
    // The project the tests work in, with the demo templates and credential granted and
    // a viewer member (User + password through the API, as an admin would).
    await apiJson(harness.adminApi, 'POST', `${api}/projects`, {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Project',
      metadata: { name: project },
      spec: {
        displayName: 'Team A',
        members: [
          { user: viewer.name, role: 'viewer' },
          { user: member.name, role: 'member' },
        ],
        templates: grantedTemplates,
        credentials: ['sim'],
        quota: { clusters: 2 },
      },
    });
    for (const user of [viewer, member]) {
      await apiJson(harness.adminApi, 'POST', `${api}/users`, {
        apiVersion: 'slipway.dev/v1alpha1',
        kind: 'User',
        metadata: { name: user.name },
        spec: {},
      });
      await apiJson(harness.adminApi, 'PUT', `${api}/users/${user.name}/password`, {
        password: user.password,
      });
    }
  });

  after(async () => {
    await harness?.close();
    process.stdout.write(
      `# dashboard browser test: ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(dashboard build ${harness?.buildSeconds.toFixed(1) ?? '?'} s)\n`,
    );
  });

  test('the first admin signs in with the generated password', async () => {
    let password: string;
    try {
      password = (await readFile(join(harness.dataDir, 'admin.password'), 'utf8')).trim();
    } catch (err: unknown) {
      assert.fail(`the first start wrote no admin password to DATA/admin.password: ${String(err)}`);
    }
    adminPage = await openPage(harness);
    await adminPage.goto('/');
    await adminPage.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(adminPage, '01-login');

    // A wrong password is refused on the form, not silently.
    await adminPage.getByLabel('User name').fill('admin');
    await adminPage.getByLabel('Password').fill('not-the-password');
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage
      .getByRole('alert')
      .filter({ hasText: /invalid username or password/i })
      .waitFor();

    // With the keyboard only: Tab to each field, Enter to send.
    await adminPage.reload();
    await adminPage.getByRole('heading', { name: 'Sign in' }).waitFor();
    const focused = () => adminPage.evaluate<string>('document.activeElement?.id ?? ""');
    await adminPage.keyboard.press('Tab');
    assert.equal(await focused(), 'login-username');
    await adminPage.keyboard.type('admin');
    await adminPage.keyboard.press('Tab');
    assert.equal(await focused(), 'login-password');
    await adminPage.keyboard.type(password);
    await adminPage.keyboard.press('Enter');
    await adminPage.getByText('admin (admin)').waitFor();
    // The session cookie is HttpOnly: page scripts cannot read it. (Browser-side code is
    // passed as text: the tests' type-check has no DOM types.)
    const cookies = await adminPage.evaluate<string>('document.cookie');
    assert.equal(cookies.includes('slipway_session'), false);
  });

  test('the admin creates a sim cluster from the template form and sees it become Ready live', async () => {
    const page = adminPage;
    // The project switcher lists the new project; choosing it opens its clusters.
    await page.getByLabel('Project').selectOption(project);
    await page.waitForURL(`**/projects/${project}/clusters`);
    await page.getByText(`No clusters in ${project} yet`).waitFor();
    await screenshot(page, '02-clusters-empty');

    await page.getByRole('link', { name: 'Create cluster' }).click();
    await page.getByLabel('Template').selectOption('sim-k3s-single');
    // The form is generated from the template's values schema, with its defaults.
    const workers = page.getByLabel('Workers number');
    assert.equal(await workers.inputValue(), '2');
    await workers.fill('1');
    const yamlView = page.getByLabel('YAML');
    await page.getByLabel('Credential').selectOption('sim');

    // A name the API refuses: its message appears beside the name field.
    await page.getByLabel('Name', { exact: true }).fill('Not_Valid');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    const nameError = page.locator('#cluster-name-error');
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /Not_Valid/);
    assert.equal(
      await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'),
      'true',
    );
    await screenshot(page, '03-create-field-error');

    // Form → YAML and YAML → form stay in sync.
    await page.getByLabel('Name', { exact: true }).fill(cluster);
    // The error was about the old value: it goes once the name changes.
    await nameError.waitFor({ state: 'detached' });
    const yaml = parse(await yamlView.inputValue()) as {
      metadata: { name: string; namespace: string };
      spec: { template: string; credential: string; config: { workersNumber: number } };
    };
    assert.deepEqual(
      [yaml.metadata, yaml.spec.template, yaml.spec.credential, yaml.spec.config.workersNumber],
      [{ name: cluster, namespace: project }, 'sim-k3s-single', 'sim', 1],
    );
    await yamlView.fill(
      (await yamlView.inputValue()).replace('workersNumber: 1', 'workersNumber: 3'),
    );
    assert.equal(await workers.inputValue(), '3');
    await workers.fill('1');
    assert.match(await yamlView.inputValue(), /workersNumber: 1\n/);
    await screenshot(page, '04-create-form');

    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.waitForURL(`**/projects/${project}/clusters/${cluster}`);
    await page.getByRole('link', { name: 'Clusters' }).first().click();
    await page.waitForURL(`**/projects/${project}/clusters`);
    await markDocument(page);
    const row = page.locator(`tr[data-cluster="${cluster}"]`);
    await row.waitFor();
    // The watch brings the phase to the page: no reload, no navigation.
    await row.getByText('Ready', { exact: true }).waitFor({ timeout: 90_000 });
    assert.equal(await row.locator('td[data-label="Nodes"]').innerText(), '2/2');
    assert.ok(await documentMarked(page), 'the list page was reloaded');
    await screenshot(page, '05-clusters-ready');
  });

  test('the admin scales and upgrades the cluster, sees its machines, downloads its kubeconfig', async () => {
    const page = adminPage;
    await page.getByRole('link', { name: cluster }).click();
    await page.waitForURL(`**/clusters/${cluster}`);
    await markDocument(page);
    await page.getByLabel('Workers').fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await page.getByTestId('ready-nodes').filter({ hasText: '3/3' }).waitFor({ timeout: 90_000 });
    const stored = await apiJson<ClusterObject>(
      harness.adminApi,
      'GET',
      `${api}/namespaces/${project}/clusterdeployments/${cluster}`,
    );
    assert.equal(stored.spec.config?.workersNumber, 2);
    const machines = page.locator('table.machines tbody tr');
    await eventually(async () => {
      const running = machines.filter({ hasText: 'Running' });
      assert.deepEqual([await machines.count(), await running.count()], [3, 3]);
    });
    assert.ok(await documentMarked(page), 'the detail page was reloaded');
    await page.locator('.timeline').getByText('ClusterReady').first().waitFor();
    await screenshot(page, '06-cluster-detail');

    // Upgrade to the template the current one allows; the version changes live.
    await page.getByLabel('Upgrade to template').selectOption('sim-k3s-single-1-31');
    await page.getByRole('button', { name: 'Upgrade' }).click();
    await page
      .getByTestId('version')
      .filter({ hasText: 'v1.31.4+k3s1' })
      .waitFor({ timeout: 90_000 });
    await page.locator('h1 + .badge', { hasText: 'Ready' }).waitFor({ timeout: 90_000 });
    // Old machines are replaced: in the end every row is on the new version.
    await eventually(async () => {
      const rows = page.locator('table.machines tbody tr');
      const upgraded = rows.filter({ hasText: 'v1.31.4+k3s1' });
      assert.deepEqual([await rows.count(), await upgraded.count()], [3, 3]);
    });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download kubeconfig' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${cluster}.kubeconfig.yaml`);
    const path = await download.path();
    const kubeconfig = parse(await readFile(path, 'utf8')) as {
      kind: string;
      'current-context': string;
      clusters: { name: string; cluster: { server: string } }[];
    };
    assert.equal(kubeconfig.kind, 'Config');
    assert.equal(kubeconfig['current-context'], cluster);
    assert.equal(kubeconfig.clusters[0]?.name, cluster);
    assert.match(
      kubeconfig.clusters[0]?.cluster.server ?? '',
      new RegExp(`/${project}/${cluster}$`),
    );
  });

  test('the admin deletes the cluster after typing its name and it disappears', async () => {
    const page = adminPage;
    await page.getByRole('button', { name: 'Delete cluster' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${cluster}?` });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Delete', exact: true });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel('Cluster name').fill(`${cluster}-typo`);
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel('Cluster name').fill(cluster);
    await screenshot(page, '07-delete-confirm');
    await confirm.click();
    await page.waitForURL(`**/projects/${project}/clusters`);
    await page
      .locator(`tr[data-cluster="${cluster}"]`)
      .waitFor({ state: 'detached', timeout: 90_000 });
    await page.getByText(`No clusters in ${project} yet`).waitFor();
    const left = await harness.adminApi.get(
      `${api}/namespaces/${project}/clusterdeployments/${cluster}`,
    );
    assert.equal(left.status(), 404);
  });

  test('a viewer sees no create button or cluster actions, and the API refuses their create', async () => {
    // A cluster for the viewer to look at, made through the API.
    await apiJson(harness.adminApi, 'POST', `${api}/namespaces/${project}/clusterdeployments`, {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'ClusterDeployment',
      metadata: { name: 'shared', namespace: project },
      spec: { template: 'sim-k3s-single', credential: 'sim', config: { workersNumber: 0 } },
    });
    const page = await openPage(harness);
    await page.goto('/');
    await signIn(page, viewer.name, viewer.password);
    await page.waitForURL(`**/projects/${project}/clusters`);
    await page.locator('tr[data-cluster="shared"]').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Create cluster' }).count(), 0);
    await screenshot(page, '08-viewer-clusters');

    await page.getByRole('link', { name: 'shared' }).click();
    await page.getByRole('heading', { name: 'Machines' }).waitFor();
    for (const action of ['Download kubeconfig', 'Scale', 'Upgrade', 'Delete cluster']) {
      assert.equal(await page.getByRole('button', { name: action }).count(), 0, action);
    }
    await screenshot(page, '09-viewer-cluster-detail');

    // The server is the real guard: a create with the viewer's session is forbidden.
    const answer = await page.evaluate(async (namespace) => {
      const whoami = (await (await fetch('/auth/whoami')).json()) as { csrfToken?: string };
      const response = await fetch(
        `/apis/slipway.dev/v1alpha1/namespaces/${namespace}/clusterdeployments`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': whoami.csrfToken ?? '' },
          body: JSON.stringify({
            apiVersion: 'slipway.dev/v1alpha1',
            kind: 'ClusterDeployment',
            metadata: { name: 'sneaky' },
            spec: { template: 'sim-k3s-single', credential: 'sim' },
          }),
        },
      );
      return { status: response.status, body: (await response.json()) as { reason?: string } };
    }, project);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.reason, 'Forbidden');

    // Signing out ends the session: the sign-in form again, and the API says 401.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const whoami = await page.evaluate(async () => (await fetch('/auth/whoami')).status);
    assert.equal(whoami, 401);
    await page.context().close();
  });

  test('a member sees only granted templates, creates a cluster, is told when the quota is full, and hibernates a cluster', async () => {
    const page = await openPage(harness);
    await page.goto('/');
    await signIn(page, member.name, member.password);
    await page.waitForURL(`**/projects/${project}/clusters`);
    await page.getByRole('link', { name: 'Create cluster' }).click();
    const template = page.getByLabel('Template');
    await template
      .locator('option', { hasText: grantedTemplates[0] })
      .first()
      .waitFor({ state: 'attached' });
    const offered = await template
      .locator('option')
      .evaluateAll((options) =>
        options.map((o) => (o as unknown as { value: string }).value).filter((v) => v !== ''),
      );
    assert.deepEqual(offered.sort(), [...grantedTemplates].sort());

    const create = async (name: string) => {
      await page.getByLabel('Name', { exact: true }).fill(name);
      await template.selectOption(grantedTemplates[0]);
      await page.getByLabel('Workers number').fill('0');
      await page.getByRole('button', { name: 'Create cluster' }).click();
    };
    await create('mine');
    await page.waitForURL(`**/projects/${project}/clusters/mine`);
    // Members may use their clusters: the actions are there.
    await page.getByRole('button', { name: 'Download kubeconfig' }).waitFor();
    await page.getByRole('button', { name: 'Delete cluster' }).waitFor();

    // "shared" and "mine" fill the quota of two clusters: the refusal is shown on the form.
    await page.goto(`/projects/${project}/clusters/new`);
    await create('one-too-many');
    await page
      .getByRole('alert')
      .filter({ hasText: `exceeded quota of project "${project}"` })
      .waitFor();
    assert.match(page.url(), /\/clusters\/new$/);
    await screenshot(page, '10-member-quota-refused');

    // Hibernate a cluster of the project and wake it up again.
    await page.goto(`/projects/${project}/clusters/shared`);
    const phase = page.locator('h1 + .badge');
    await phase.filter({ hasText: 'Ready' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Hibernate' }).click();
    await phase.filter({ hasText: 'Hibernated' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Wake up' }).click();
    await phase.filter({ hasText: 'Ready' }).waitFor({ timeout: 90_000 });
    await page.context().close();
  });

  test('when the session ends, the next request brings back the sign-in form saying so', async () => {
    const page = await openPage(harness);
    await page.goto('/');
    await signIn(page, member.name, member.password);
    await page.locator('tr[data-cluster="mine"]').waitFor();
    await page.context().clearCookies();
    await page.getByRole('link', { name: 'mine' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
    await page.context().close();
  });

  test('the cluster list is usable at phone width', async () => {
    const page = await openPage(harness, { width: 390, height: 844 });
    await page.goto('/');
    await signIn(page, viewer.name, viewer.password);
    const row = page.locator('tr[data-cluster="shared"]');
    await row.waitFor();
    // No sideways scrolling: the table turns into cards.
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    // Navigation is behind the Menu button, reachable by keyboard.
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.focus();
    await page.keyboard.press('Enter');
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Clusters' })
      .waitFor();
    await screenshot(page, '11-phone-clusters');
    // The detail page too, taller than the screen (a scrollbar) and with wide tables.
    await page.getByRole('link', { name: 'shared' }).click();
    await page.getByRole('heading', { name: 'Conditions' }).waitFor();
    const detailOverflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(
      detailOverflow <= 0,
      `detail page is ${detailOverflow}px wider than the phone screen`,
    );
    await screenshot(page, '12-phone-cluster-detail');
    await page.context().close();
  });
});
