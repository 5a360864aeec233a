// The admin kubeconfig of a K3s cluster, known before the first machine boots: it
// trusts the server CA (which signs the API serving certificate) and authenticates
// with a client certificate signed by the client CA (K3s passes client-ca.crt to the
// apiserver as --client-ca-file) in group system:masters (cluster-api-k3s
// pkg/kubeconfig/kubeconfig.go does the same).
import { stringify } from 'yaml';
import { endpointURL } from '../endpoint.ts';
import type { ClusterEndpoint, ClusterSecretsData } from '../types.ts';
import { adminCertificateFor, caPair } from './pki.ts';

const base64 = (pem: string): string => Buffer.from(pem).toString('base64');

/**
 * kubeconfig YAML with one cluster, user and context named after the cluster. The
 * client certificate is the one stored in the PKI (`client-admin.crt`) while it has
 * more than 90 days left, so rendering twice gives the same document.
 */
export async function renderK3sAdminKubeconfig(input: {
  clusterName: string;
  endpoint: ClusterEndpoint;
  secrets: ClusterSecretsData;
  now: Date;
}): Promise<string> {
  const serverCA = caPair(input.secrets.pki, 'server-ca').cert;
  const admin = await adminCertificateFor(input.secrets.pki, input.now);
  const name = input.clusterName;
  const user = `${name}-admin`;
  const cluster: Record<string, string> = {
    server: endpointURL(input.endpoint),
    'certificate-authority-data': base64(serverCA),
  };
  if (input.endpoint.tlsServerName) cluster['tls-server-name'] = input.endpoint.tlsServerName;
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster }],
      users: [
        {
          name: user,
          user: {
            'client-certificate-data': base64(admin.cert),
            'client-key-data': base64(admin.key),
          },
        },
      ],
      contexts: [{ name, context: { cluster: name, user } }],
      'current-context': name,
      preferences: {},
    },
    { lineWidth: 0 },
  );
}
