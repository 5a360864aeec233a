// Browser-test support for the dashboard: build it, start a real server (demo on, HTTPS
// with its own certificate, temporary data dir) serving that build, drive Debian's
// Chromium with playwright-core, call the API directly, save screenshots.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromium,
  request,
  type APIRequestContext,
  type Browser,
  type Page,
} from 'playwright-core';
import { pino } from 'pino';
import { buildDashboard } from '../scripts/build-web.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { repoRoot } from './support.ts';

/** Debian's chromium package; tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium';
export const screenshotsDir = join(repoRoot, 'test-results', 'screenshots');

export interface DashboardHarness {
  server: RunningServer;
  dataDir: string;
  browser: Browser;
  /** API client authenticated with the admin token (as the CLI is). */
  adminApi: APIRequestContext;
  /** Seconds the dashboard build took. */
  buildSeconds: number;
  close(): Promise<void>;
}

/** Build the dashboard into a temporary folder, start a server on it, launch Chromium. */
export async function startDashboardHarness(): Promise<DashboardHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-dashboard-'));
  const outDir = join(dataDir, 'web-dist');
  const started = performance.now();
  // Its own output folder, so parallel test files never write the same files.
  await buildDashboard({ outDir, force: true });
  const buildSeconds = (performance.now() - started) / 1000;
  const server = await startServer({
    dataDir,
    listen: '127.0.0.1:0',
    demo: true,
    simLatency: 'fast',
    dashboardDir: outDir,
    logger: pino({ level: 'silent' }),
  });
  const cleanups: (() => Promise<unknown>)[] = [
    () => server.close(),
    () => rm(dataDir, { recursive: true, force: true }),
  ];
  try {
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      // Tests run as root in containers, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    cleanups.unshift(() => browser.close());
    const adminToken = (await readFile(server.adminTokenPath, 'utf8')).trim();
    const adminApi = await request.newContext({
      baseURL: server.url,
      ignoreHTTPSErrors: true,
      extraHTTPHeaders: { authorization: `Bearer ${adminToken}` },
    });
    cleanups.unshift(() => adminApi.dispose());
    await mkdir(screenshotsDir, { recursive: true });
    return {
      server,
      dataDir,
      browser,
      adminApi,
      buildSeconds,
      async close() {
        for (const cleanup of cleanups) await cleanup();
      },
    };
  } catch (err: unknown) {
    for (const cleanup of cleanups) await cleanup();
    throw err;
  }
}

/** A fresh browser context (its own cookies) and page on the server, laptop-sized by default. */
export async function openPage(
  harness: DashboardHarness,
  viewport = { width: 1280, height: 860 },
): Promise<Page> {
  const context = await harness.browser.newContext({
    baseURL: harness.server.url,
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport,
  });
  const page = await context.newPage();
  // Surface the app's own failures in the test output.
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
  return page;
}

/** Save a full-page screenshot as test-results/screenshots/NAME.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Sign in through the login form and wait for the signed-in layout. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The API's JSON answer, failing with the Status message when it is not 2xx. */
export async function apiJson<T>(
  api: APIRequestContext,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await api.fetch(path, {
    method,
    ...(body !== undefined ? { data: body, headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Retry `check` until it stops throwing; after `timeoutMs`, throw its last failure. */
export async function eventually(check: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err: unknown) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
