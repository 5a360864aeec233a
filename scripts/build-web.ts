// Build the dashboard (web/) into web/dist with Vite's JavaScript API, only when a source
// file is newer than the last build. `npm start` runs this first; `npm run build:web`
// builds on demand (`--force` always builds). The Vite configuration lives here rather
// than in web/vite.config.ts so that web/ holds browser code only.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build, type InlineConfig } from 'vite';

export const webRoot = fileURLToPath(new URL('../web/', import.meta.url));
export const defaultOutDir = join(webRoot, 'dist');

/** Vite settings for the dashboard, writing to `outDir`. */
export function viteConfig(outDir: string): InlineConfig {
  return {
    configFile: false,
    root: webRoot,
    base: '/',
    logLevel: 'warn',
    plugins: [react()],
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      // The validator and form library are large; one chunk keeps serving simple.
      chunkSizeWarningLimit: 2048,
    },
  };
}

/** Newest modification time of the dashboard's sources (web/ without dist/ and node_modules/). */
async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path === defaultOutDir || entry.name === 'node_modules') continue;
      newest = Math.max(newest, await newestSource(path));
    } else {
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

/** Whether `outDir` holds no build, or one older than some source file. */
export async function dashboardIsStale(outDir = defaultOutDir): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(join(outDir, 'index.html'))).mtimeMs;
  } catch {
    return true;
  }
  return (await newestSource(webRoot)) > built;
}

export interface BuildDashboardOptions {
  /** Where to write; default web/dist (what `slipway server` serves). */
  outDir?: string;
  /** Build even when the output is newer than every source. */
  force?: boolean;
}

/**
 * Build the dashboard when needed; resolves to whether it built.
 *
 * @example
 *   await buildDashboard(); // web/dist, only if stale
 *   await buildDashboard({ outDir: '/tmp/x/dist', force: true });
 */
export async function buildDashboard(options: BuildDashboardOptions = {}): Promise<boolean> {
  const outDir = resolve(options.outDir ?? defaultOutDir);
  if (!options.force && !(await dashboardIsStale(outDir))) return false;
  await build(viteConfig(outDir));
  return true;
}

if (import.meta.main) {
  const force = process.argv.includes('--force');
  const started = performance.now();
  const built = await buildDashboard({ force });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    built ? `dashboard built into ${defaultOutDir} in ${seconds}s\n` : 'dashboard is up to date\n',
  );
}
