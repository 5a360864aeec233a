// The `sshkeys` option of a QEMU VM's cloud-init settings is stored URL-encoded in the
// VM config: the API schema gives it format 'urlencoded' (pve-common's
// pve_verify_urlencoded accepts only [-%a-zA-Z0-9_.!~*'()]), and qemu-server decodes it
// with URI::Escape::uri_unescape when it writes the cloud-init drive. So the value is
// encoded once here and once more by the form body, and a space must be %20: after the
// form layer has decoded it, uri_unescape leaves a '+' as a literal '+'.

/**
 * The `sshkeys` value Proxmox expects: the keys (one per line, OpenSSH format) URL-encoded
 * once. Pass the result as the `sshkeys` parameter; the form encoding adds the second layer.
 *
 * @example
 * await client.post(apiPath`/nodes/${node}/qemu/${vmid}/config`, { sshkeys: encodeSshKeys(keys) });
 */
export function encodeSshKeys(keys: string): string {
  return encodeURIComponent(keys);
}
