// The README's dashboard quick start, step by step, in real Chromium against the embedded
// demo: sign in as admin with the password from DATA/admin.password, choose the `demo`
// project the demo publishes, create a cluster from `sim-k3s-single` with the form's
// defaults, watch it become Ready, and find the actions the README names. If this fails,
// README.md is no longer true.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  openPage,
  screenshot,
  signIn,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-support.ts';

let harness: DashboardHarness;

before(async () => {
  harness = await startDashboardHarness();
});

after(async () => {
  await harness?.close();
});

test('README quick start: sign in, create a cluster in the demo project, see it Ready', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  // The steps below are the ones the README gives; keep the two together.
  for (const words of [
    'sign in as `admin`',
    '`demo` project',
    '**Create cluster**',
    '`sim-k3s-single`',
    '**Download kubeconfig**',
    '**Scale**',
    '**Upgrade**',
    '**Delete cluster**',
  ]) {
    assert.ok(readme.includes(words), `README.md no longer says ${words}`);
  }

  const password = (await readFile(join(harness.dataDir, 'admin.password'), 'utf8')).trim();
  const page = await openPage(harness);
  await page.goto('/');
  await signIn(page, 'admin', password);

  await page.getByLabel('Project').selectOption('demo');
  await page.waitForURL('**/projects/demo/clusters');
  await page.getByRole('link', { name: 'Create cluster' }).click();
  await page.getByLabel('Template').selectOption('sim-k3s-single');
  await page.getByLabel('Name', { exact: true }).fill('readme');
  await page.getByRole('button', { name: 'Create cluster' }).click();
  await page.waitForURL('**/projects/demo/clusters/readme');

  await page.getByRole('link', { name: 'Clusters' }).first().click();
  const row = page.locator('tr[data-cluster="readme"]');
  await row.getByText('Ready', { exact: true }).waitFor({ timeout: 90_000 });
  // The template's defaults: one control plane and two workers.
  assert.equal(await row.locator('td[data-label="Nodes"]').innerText(), '3/3');

  await page.getByRole('link', { name: 'readme' }).click();
  await page.waitForURL('**/clusters/readme');
  for (const name of ['Download kubeconfig', 'Scale', 'Upgrade', 'Delete cluster']) {
    await page.getByRole('button', { name, exact: true }).waitFor();
  }
  await screenshot(page, 'readme-quickstart-cluster');
});
