// cloud-init user-data for a K3s machine: host name, the files K3s needs before its
// first start (config.yaml; on the first server the cluster's CA files), and runcmd that
// installs and starts K3s, then marks success.
//
// write_files runs in cloud-init's init stage and runcmd's script in the final stage,
// so every file is in place before the installer starts K3s.
import {
  exactFile,
  octalMode,
  renderCloudConfig,
  toYAML,
  type WriteFile,
} from '../cloud-init/cloud-config.ts';
import { BootstrapError } from '../errors.ts';
import { renderInstallCommands } from './install.ts';
import type { K3sConfig } from './k3s-config.ts';
import { kubeVipManifestPath } from './kube-vip.ts';
import { k3sServerTLSFiles, k3sTLSDir } from './pki.ts';
import { k3sConfigPath, type K3sBootstrapValues } from './values.ts';

/** Touched after a successful bootstrap; infrastructure providers may look for it. */
export const bootstrapSuccessFile = '/run/slipway/bootstrap-success.complete';

export interface K3sUserDataInput {
  hostname: string;
  role: 'control-plane' | 'worker';
  /** The first server: it gets the CA files. */
  initialize: boolean;
  version: string;
  config: K3sConfig;
  /** The cluster PKI (file name → PEM); only the first server's rendering reads it. */
  pki: Readonly<Record<string, string>>;
  values: K3sBootstrapValues;
  /** On servers of a cluster with a control-plane VIP: the kube-vip manifest K3s applies. */
  kubeVipManifest?: string;
}

/**
 * The CA files for the first server, written byte for byte (`encoding: b64`) so that
 * server-ca.crt hashes to the value in the join token. Certificates 0640, keys 0600,
 * owner root:root, as cluster-api-k3s writes them. A pair is written whole or not at all:
 * with only a certificate K3s would make a new key and overwrite the certificate.
 */
export function serverCAFiles(pki: Readonly<Record<string, string>>): WriteFile[] {
  const files: WriteFile[] = [];
  for (const name of k3sServerTLSFiles) {
    const content = pki[name];
    if (content === undefined) continue;
    const pair = name.endsWith('.crt')
      ? name.replace(/\.crt$/, '.key')
      : name.replace(/\.key$/, '.crt');
    if (name !== 'service.key' && pki[pair] === undefined) {
      throw new BootstrapError(
        'MissingClusterSecret',
        `the cluster PKI has ${name} without ${pair}; K3s would replace the pair`,
      );
    }
    files.push(exactFile(`${k3sTLSDir}/${name}`, content, name.endsWith('.key') ? '0600' : '0640'));
  }
  for (const required of ['server-ca.crt', 'client-ca.crt']) {
    if (pki[required] === undefined) {
      throw new BootstrapError('MissingClusterSecret', `the cluster PKI lacks ${required}`);
    }
  }
  return files;
}

function extraFiles(values: K3sBootstrapValues): WriteFile[] {
  return (values.files ?? []).map((file) => ({
    path: file.path,
    owner: file.owner ?? 'root:root',
    permissions: octalMode(file.permissions ?? '0644'),
    ...(file.encoding === 'b64'
      ? { encoding: 'b64' as const, content: file.content.replace(/\s/g, '') }
      : { content: file.content }),
    ...(file.defer ? { defer: true } : {}),
  }));
}

/** The `#cloud-config` document for one machine. */
export function renderK3sUserData(input: K3sUserDataInput): string {
  const firstServer = input.role === 'control-plane' && input.initialize;
  const writeFiles: WriteFile[] = [
    ...(firstServer ? serverCAFiles(input.pki) : []),
    {
      path: k3sConfigPath,
      owner: 'root:root',
      // It holds the join token.
      permissions: '0600',
      content: toYAML(input.config),
    },
    ...(input.kubeVipManifest !== undefined && input.role === 'control-plane'
      ? [
          {
            path: kubeVipManifestPath,
            owner: 'root:root',
            permissions: '0600',
            content: input.kubeVipManifest,
          },
        ]
      : []),
    ...extraFiles(input.values),
  ];
  const runcmd = [
    // runcmd is one sh script: stop at the first failing command, so the success file
    // below means what it says.
    'set -e',
    ...(input.values.preCommands ?? []),
    ...renderInstallCommands({
      role: input.role,
      version: input.version,
      ...(input.values.airgap ? { airgap: input.values.airgap } : {}),
    }),
    ...(input.values.postCommands ?? []),
    `mkdir -p /run/slipway && touch ${bootstrapSuccessFile}`,
  ];
  return renderCloudConfig({ hostname: input.hostname, write_files: writeFiles, runcmd });
}
