// `slipway server`: run the API server in this process until SIGINT/SIGTERM.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';

interface ServerCommandOptions {
  dataDir?: string;
  listen: string;
  insecureHttp?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  demo?: boolean;
  simLatency: string;
  simApiPort?: string;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecretFile?: string;
  oidcRedirectUrl?: string;
  oidcUsernameClaim?: string;
  oidcGroupsClaim?: string;
  oidcCaFile?: string;
  oidcName?: string;
  store: string;
  etcdEndpoints?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
}

const simLatencies = ['zero', 'fast', 'default'] as const;
const storeKinds = ['sqlite', 'etcd'] as const;

export function registerServer(program: Command, ctx: CommandContext): void {
  program
    .command('server')
    .summary('run the Slipway API server')
    .description(
      'Run the Slipway API server with its embedded store until interrupted (SIGINT/SIGTERM\n' +
        'shut it down gracefully). HTTPS with a self-signed certificate generated in the data\n' +
        'directory unless --tls-cert/--tls-key are given; an admin token is written to\n' +
        'DATA_DIR/admin.token on first start, and the dashboard user admin gets a generated\n' +
        'password, printed once and kept in DATA_DIR/admin.password.',
    )
    .option(
      '--data-dir <dir>',
      'where the store, keys and token live (default $SLIPWAY_DATA_DIR or ./.data)',
    )
    .option('--listen <host:port>', 'address to serve on', '127.0.0.1:6443')
    .option('--insecure-http', 'serve plain HTTP (loopback addresses only)')
    .option('--tls-cert <file>', 'PEM certificate to serve instead of the generated one')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--demo', 'publish a sim Credential and K3s ClusterTemplates (created when missing)')
    .option(
      '--sim-latency <profile>',
      `latency of the simulated hypervisor: ${simLatencies.join(', ')}`,
      'fast',
    )
    .option(
      '--sim-api-port <port>',
      "port of the simulated clusters' Kubernetes API on 127.0.0.1 (default: any free port)",
    )
    .option('--store <kind>', `where objects are kept: ${storeKinds.join(', ')}`, 'sqlite')
    .option(
      '--etcd-endpoints <urls>',
      'comma-separated client URLs of the etcd members (with --store etcd)',
    )
    .option('--etcd-ca <file>', "PEM CA bundle for etcd's TLS")
    .option('--etcd-cert <file>', 'PEM client certificate for etcd')
    .option('--etcd-key <file>', 'PEM private key for --etcd-cert')
    .option('--oidc-issuer <url>', 'offer OIDC login with this provider (https)')
    .option('--oidc-client-id <id>', "Slipway's client id at the OIDC provider")
    .option('--oidc-client-secret-file <file>', 'file holding the client secret')
    .option(
      '--oidc-redirect-url <url>',
      'callback registered at the provider (default SERVER_URL/auth/oidc/callback)',
    )
    .option(
      '--oidc-username-claim <claim>',
      'claim with the user name, else sub',
      'preferred_username',
    )
    .option('--oidc-groups-claim <claim>', 'claim with the groups', 'groups')
    .option('--oidc-ca-file <file>', "PEM CA certificate for the provider's TLS")
    .option('--oidc-name <text>', 'label of the login button', 'Single sign-on')
    .action(async (options: ServerCommandOptions) => {
      await runServer(ctx, options);
    });
}

async function runServer(ctx: CommandContext, options: ServerCommandOptions): Promise<void> {
  const host = listenHost(options.listen);
  if (options.insecureHttp && !isLoopbackHost(host)) {
    throw new CliError(
      `--insecure-http is allowed only on a loopback address (127.0.0.1, ::1, localhost), not "${host}"; ` +
        'drop --insecure-http to serve HTTPS',
    );
  }
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new CliError('--tls-cert and --tls-key must be given together');
  }
  const simLatency = simLatencies.find((name) => name === options.simLatency);
  if (!simLatency) {
    throw new CliError(
      `--sim-latency: "${options.simLatency}" is not one of ${simLatencies.join(', ')}`,
    );
  }
  const simApiPort = options.simApiPort === undefined ? undefined : Number(options.simApiPort);
  if (
    simApiPort !== undefined &&
    !(Number.isInteger(simApiPort) && simApiPort >= 0 && simApiPort < 65536)
  ) {
    throw new CliError(`--sim-api-port: "${options.simApiPort}" is not a port number`);
  }
  const store = storeOptions(options);
  const dataDir = resolve(options.dataDir ?? (ctx.io.env['SLIPWAY_DATA_DIR'] || '.data'));
  const oidc = oidcOptions(options);
  // Loaded here so that other commands never load the server and its dependencies.
  const { startServer } = await import('../../server.ts');
  const server = await startServer({
    dataDir,
    listen: options.listen,
    ...(options.insecureHttp ? { insecureHttp: true } : {}),
    ...(options.tlsCert ? { tlsCert: resolve(options.tlsCert) } : {}),
    ...(options.tlsKey ? { tlsKey: resolve(options.tlsKey) } : {}),
    ...(options.demo ? { demo: true } : {}),
    simLatency,
    ...(simApiPort !== undefined ? { simApiPort } : {}),
    ...(oidc ? { oidc } : {}),
    store,
  });
  const fingerprint: unknown =
    'certificateFingerprint' in server ? server.certificateFingerprint : undefined;
  // The first admin's password only on the start that created it: stdout, never the log.
  // One write with the banner, so that readers of the output see both or neither.
  const firstAdmin =
    server.firstAdminPassword !== undefined
      ? `\n${firstAdminBanner(server.firstAdminPassword, server.adminPasswordPath)}`
      : '';
  ctx.out(
    usageBanner({
      url: server.url,
      tokenPath: server.adminTokenPath,
      passwordPath: server.adminPasswordPath,
      selfSigned: !options.insecureHttp && !options.tlsCert,
      demo: Boolean(options.demo),
      ...(typeof fingerprint === 'string' ? { fingerprint } : {}),
    }) + firstAdmin,
  );
  await stopped(ctx.signal);
  ctx.err('Shutting down…\n');
  await server.close();
}

/** What to tell the user once the server listens: where it is and how to connect. */
export function usageBanner(banner: {
  url: string;
  tokenPath: string;
  /** The first admin's password file (DATA_DIR/admin.password). */
  passwordPath: string;
  selfSigned: boolean;
  demo?: boolean;
  fingerprint?: string;
}): string {
  const { url, tokenPath, passwordPath, selfSigned, fingerprint, demo } = banner;
  const token = shellQuote(tokenPath);
  const skip = selfSigned ? ' SLIPWAY_INSECURE_SKIP_TLS_VERIFY=true' : '';
  const skipFlag = selfSigned ? ' --insecure-skip-tls-verify' : '';
  return [
    `Slipway API server listening on ${url}`,
    `Dashboard: ${url}/ (user admin, password in ${passwordPath})`,
    `Admin token: ${tokenPath} (readable only by you; keep it secret)`,
    ...(selfSigned ? ['TLS: self-signed certificate generated in the data directory'] : []),
    ...(fingerprint ? [`Certificate SHA-256 fingerprint: ${fingerprint}`] : []),
    '',
    'Use it from another terminal:',
    `  export SLIPWAY_SERVER=${url} SLIPWAY_TOKEN=$(cat ${token})${skip}`,
    '  slipway get clustertemplates',
    'or save the connection once:',
    `  slipway login --server ${url} --token "$(cat ${token})"${skipFlag}`,
    ...(demo
      ? [
          '',
          'Demo: K3s ClusterTemplates on the simulated provider are published (slipway get ct -A).',
          '  slipway apply -f examples/sim-cluster.yaml',
          '  slipway wait clusterdeployment/demo --for=condition=Ready --timeout=2m',
          '  slipway kubeconfig demo > demo.kubeconfig',
          '  kubectl --kubeconfig demo.kubeconfig get nodes',
        ]
      : []),
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

/** The first admin's sign-in, shown once on the start that created it. */
export function firstAdminBanner(password: string, passwordPath: string): string {
  return [
    'First start: created the administrator account.',
    `  user: admin   password: ${password}`,
    `  (also in ${passwordPath}, readable only by you; change it after signing in)`,
    '',
  ].join('\n');
}

/** The --store and --etcd-* options for startServer. */
function storeOptions(options: ServerCommandOptions) {
  const etcdFlags = [
    ['--etcd-endpoints', options.etcdEndpoints],
    ['--etcd-ca', options.etcdCa],
    ['--etcd-cert', options.etcdCert],
    ['--etcd-key', options.etcdKey],
  ] as const;
  if (options.store === 'sqlite') {
    const stray = etcdFlags.find(([, value]) => value !== undefined);
    if (stray) throw new CliError(`${stray[0]} needs --store etcd`);
    return { kind: 'sqlite' as const };
  }
  if (options.store !== 'etcd') {
    throw new CliError(`--store: "${options.store}" is not one of ${storeKinds.join(', ')}`);
  }
  const endpoints = (options.etcdEndpoints ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (endpoints.length === 0) throw new CliError('--store etcd needs --etcd-endpoints');
  return {
    kind: 'etcd' as const,
    endpoints,
    ...(options.etcdCa ? { caFile: resolve(options.etcdCa) } : {}),
    ...(options.etcdCert ? { certFile: resolve(options.etcdCert) } : {}),
    ...(options.etcdKey ? { keyFile: resolve(options.etcdKey) } : {}),
  };
}

/** The --oidc-* options for startServer; undefined when OIDC is not asked for. */
function oidcOptions(options: ServerCommandOptions) {
  const given = [
    ['--oidc-client-id', options.oidcClientId],
    ['--oidc-client-secret-file', options.oidcClientSecretFile],
    ['--oidc-redirect-url', options.oidcRedirectUrl],
    ['--oidc-ca-file', options.oidcCaFile],
  ] as const;
  if (options.oidcIssuer === undefined) {
    const stray = given.find(([, value]) => value !== undefined);
    if (stray) throw new CliError(`${stray[0]} needs --oidc-issuer`);
    return undefined;
  }
  if (options.oidcClientId === undefined)
    throw new CliError('--oidc-issuer needs --oidc-client-id');
  return {
    issuer: options.oidcIssuer,
    clientId: options.oidcClientId,
    ...(options.oidcClientSecretFile
      ? { clientSecretFile: resolve(options.oidcClientSecretFile) }
      : {}),
    ...(options.oidcRedirectUrl ? { redirectUrl: options.oidcRedirectUrl } : {}),
    ...(options.oidcUsernameClaim ? { usernameClaim: options.oidcUsernameClaim } : {}),
    ...(options.oidcGroupsClaim ? { groupsClaim: options.oidcGroupsClaim } : {}),
    ...(options.oidcCaFile ? { caFile: resolve(options.oidcCaFile) } : {}),
    ...(options.oidcName ? { name: options.oidcName } : {}),
  };
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveStopped) => {
    if (!signal) return; // Nothing can stop us: serve forever.
    if (signal.aborted) resolveStopped();
    else signal.addEventListener('abort', () => resolveStopped(), { once: true });
  });
}

function listenHost(listen: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  const host = match?.[1] ?? match?.[2];
  if (!host) throw new CliError(`--listen: "${listen}" is not HOST:PORT (e.g. 127.0.0.1:6443)`);
  return host;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
