// Work on the dashboard with Vite's dev server (instant reload) in front of a running
// `slipway server`: API paths are proxied to it, everything else is served from web/.
//
//   npm start                                   # or any slipway server
//   node scripts/dev-web.ts https://127.0.0.1:6443 [port]
//
// then open http://localhost:5173. The server's certificate is not checked (the
// proxied server is your own, on this machine). Session cookies are `Secure`; browsers
// accept them on http://localhost.
import { createServer } from 'vite';
import { apiPrefixes } from '../src/apiserver/routes/dashboard.ts';
import { viteConfig, defaultOutDir } from './build-web.ts';

/** Start Vite's dev server proxying the API to `target`; resolves to its URL. */
export async function startDevServer(target: string, port = 5173): Promise<string> {
  const proxy = Object.fromEntries(
    apiPrefixes.map((prefix) => [
      prefix,
      // `ws` off: watches are plain streamed HTTP responses.
      { target, changeOrigin: true, secure: false },
    ]),
  );
  const server = await createServer({
    ...viteConfig(defaultOutDir),
    server: { host: '127.0.0.1', port, strictPort: true, proxy },
  });
  await server.listen();
  return `http://localhost:${port}`;
}

if (import.meta.main) {
  const target = process.argv[2];
  if (!target || !/^https?:\/\//.test(target)) {
    process.stderr.write('usage: node scripts/dev-web.ts https://HOST:PORT [port]\n');
    process.exit(2);
  }
  const port = process.argv[3] ? Number(process.argv[3]) : undefined;
  const url = await startDevServer(target, port);
  process.stdout.write(`dashboard dev server on ${url}, API from ${target}\n`);
}
