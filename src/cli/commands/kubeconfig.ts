// `slipway kubeconfig`: the admin kubeconfig of a cluster, on stdout or in a private file.
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  clusterDeploymentKind,
  secretKind,
  type ClusterDeployment,
  type Secret,
} from '../../api/index.ts';
import type { ApiClient } from '../client.ts';
import type { CommandContext } from '../context.ts';
import { CliError, isApiError } from '../errors.ts';
import { namespaceOrDefault, objectRef, resourcePath } from '../resources.ts';
import { globalOptions } from './global-options.ts';

interface KubeconfigOptions {
  namespace?: string;
  output?: string;
}

export function registerKubeconfig(program: Command, ctx: CommandContext): void {
  program
    .command('kubeconfig')
    .summary("print a cluster's admin kubeconfig")
    .description(
      'Print the admin kubeconfig of a cluster (ClusterDeployment), or with -o write\n' +
        'it to a file readable by its owner only (mode 0600, replaced whole).',
    )
    .argument('<name>', 'name of the cluster')
    .option('-n, --namespace <namespace>', 'namespace of the cluster (default "default")')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addHelpText(
      'after',
      `
Examples:
  slipway kubeconfig demo > demo.kubeconfig
  slipway kubeconfig demo -o ~/.kube/demo.yaml && kubectl --kubeconfig ~/.kube/demo.yaml get nodes`,
    )
    .action(async (name: string, options: KubeconfigOptions, command: Command) => {
      const namespace = namespaceOrDefault(options.namespace);
      const client = await ctx.client(globalOptions(command));
      const kubeconfig = await readKubeconfig(client, namespace, name);
      if (options.output === undefined) {
        ctx.out(kubeconfig.endsWith('\n') ? kubeconfig : `${kubeconfig}\n`);
        return;
      }
      const path = resolve(options.output);
      await writePrivateFile(path, kubeconfig);
      ctx.out(`kubeconfig of ${objectRef(clusterDeploymentKind, name)} written to ${path}\n`);
    });
}

/**
 * The `kubeconfig` subresource of the cluster; on a server without it (404), the Secret
 * the cluster's status names. Only the subresource will keep working for users who may
 * not read Secrets.
 */
export async function readKubeconfig(
  client: ApiClient,
  namespace: string,
  name: string,
): Promise<string> {
  const clusterPath = resourcePath(clusterDeploymentKind, namespace, name);
  try {
    return await client.requestText('GET', `${clusterPath}/kubeconfig`, {
      accept: 'application/yaml, application/json;q=0.5',
    });
  } catch (err: unknown) {
    if (!isApiError(err, 404)) throw err;
  }
  const cluster = await client.request<ClusterDeployment>('GET', clusterPath);
  const secretName = cluster.status?.kubeconfigSecret;
  const ref = objectRef(clusterDeploymentKind, name);
  if (!secretName) {
    throw new CliError(
      `${ref} has no kubeconfig yet: it is written once the control plane endpoint is known (phase ${cluster.status?.phase ?? 'Pending'})`,
    );
  }
  const secret = await client.request<Secret>(
    'GET',
    resourcePath(secretKind, namespace, secretName),
  );
  // As the subresource does: never hand out a Secret the cluster does not own.
  const uid = cluster.metadata.uid;
  if (uid && !secret.metadata.ownerReferences?.some((owner) => owner.uid === uid)) {
    throw new CliError(`secret "${secretName}" is not a kubeconfig ${ref} owns`);
  }
  const value = secret.data?.['value'];
  if (value === undefined) {
    throw new CliError(`secret "${secretName}" of ${ref} holds no kubeconfig (no key "value")`);
  }
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Replace `path` whole with `text`, readable by its owner only, never partly written. */
async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    // A file left by an interrupted run keeps its old mode through writeFile.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (err: unknown) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
}
