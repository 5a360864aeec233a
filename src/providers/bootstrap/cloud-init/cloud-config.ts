// Writing `#cloud-config` documents: the YAML is emitted in YAML 1.1 style because
// cloud-init reads it with PyYAML (1.1), where unquoted `0640` is an octal number and
// `on`/`yes` are booleans; the 1.1 writer quotes every such string.
import { stringify } from 'yaml';

/** One `write_files` entry, as cloud-init's schema defines it. */
export interface WriteFile {
  path: string;
  content: string;
  /** Octal mode as a string, e.g. `'0600'`: a number would be read as decimal or octal by accident. */
  permissions: string;
  owner: string;
  encoding?: 'b64';
  /** Written in cloud-init's final stage (write-files-deferred), before runcmd's script runs. */
  defer?: boolean;
}

export interface CloudConfig {
  hostname: string;
  write_files: WriteFile[];
  runcmd: string[];
}

/** YAML in the style cloud-init (PyYAML) and K3s (go-yaml) both read as intended. */
export function toYAML(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0 });
}

export function renderCloudConfig(config: CloudConfig): string {
  return `#cloud-config\n${toYAML({
    hostname: config.hostname,
    preserve_hostname: false,
    // K3s and sudo want the host name to resolve; cloud-init keeps /etc/hosts in step.
    manage_etc_hosts: true,
    write_files: config.write_files,
    runcmd: config.runcmd,
  })}`;
}

/** A file written byte for byte (base64 in the document, decoded on the machine). */
export function exactFile(
  path: string,
  content: string | Uint8Array,
  permissions: string,
  owner = 'root:root',
): WriteFile {
  return {
    path,
    owner,
    permissions,
    encoding: 'b64',
    content: Buffer.from(content).toString('base64'),
  };
}

/** `644` → `0644`: cloud-init wants a string, and four digits leave no doubt it is octal. */
export function octalMode(mode: string): string {
  return mode.length === 3 ? `0${mode}` : mode;
}

/** A host name from a machine name: one DNS label of at most 63 characters. */
export function hostnameFor(machineName: string): string {
  const label = machineName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return label || 'node';
}
