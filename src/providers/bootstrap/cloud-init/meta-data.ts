// cloud-init meta-data for NoCloud: instance-id and local-hostname. cloud-init runs its
// per-instance modules (write_files, runcmd) once per instance-id, so the id is stable
// for one Machine object and new for a replacement.
import { BootstrapError } from '../errors.ts';
import { toYAML } from './cloud-config.ts';

/**
 * `<namespace>.<machine>[.<uid>]`. cloud-init uses the id as a directory name under
 * /var/lib/cloud/instances, so it holds no `/`.
 */
export function instanceIdFor(machine: {
  namespace: string;
  machineName: string;
  machineUID?: string;
}): string {
  const parts = [machine.namespace, machine.machineName, machine.machineUID ?? ''].filter(Boolean);
  const id = parts.join('.');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
    throw new BootstrapError(
      'InvalidInput',
      'namespace, machine name and uid must be letters, digits, ".", "_" or "-" to form an instance-id',
    );
  }
  return id;
}

export function renderMetaData(input: { instanceId: string; hostname: string }): string {
  return toYAML({ 'instance-id': input.instanceId, 'local-hostname': input.hostname });
}
