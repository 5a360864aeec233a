// A proxmox-cloudinit guest's pieces without a VM: what it reads from PVE's cloud-init
// fields, and the commands its SSH server answers (and the ones it does not).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { proxmoxCloudInitOf } from './proxmox-cloudinit.ts';
import { runSshCommand, type SshGuest } from './ssh-commands.ts';

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0kqZcd0pQ8Xn7VhP2mNq0tB2hAbs0Vx4y1o2W9k1cS a@b';

describe('emulated guest with Proxmox cloud-init', () => {
  test('user, keys and address come from the config, only with a cloud-init drive', () => {
    const config = new Map([
      ['ide2', 'local-lvm:vm-101-cloudinit,media=cdrom'],
      ['ciuser', 'k3s'],
      ['sshkeys', encodeURIComponent(`${key}\n# comment\n`)],
      ['ipconfig0', 'ip=127.0.74.5/25,gw=127.0.74.1'],
    ]);
    assert.deepEqual(proxmoxCloudInitOf(config), {
      drive: 'ide2',
      user: 'k3s',
      keys: [key],
      ipconfig: { kind: 'static', address: '127.0.74.5', prefix: 25 },
    });
    config.set('ipconfig0', 'ip=dhcp');
    config.delete('ciuser');
    assert.deepEqual(proxmoxCloudInitOf(config)?.ipconfig, { kind: 'dhcp' });
    assert.equal(proxmoxCloudInitOf(config)?.user, 'ubuntu', "the image's default user");
    config.set('ide2', 'shared:101/vm-101-cloudinit.qcow2,media=cdrom');
    assert.equal(proxmoxCloudInitOf(config)?.drive, 'ide2');
    config.delete('ide2');
    assert.equal(proxmoxCloudInitOf(config), undefined, 'no drive: the fields do nothing');
  });

  test('the SSH commands: check, store, cloud-init run with a marker; nothing else', async () => {
    const applied: { userData: string; modules: readonly string[] }[] = [];
    const guest: SshGuest = {
      files: new Map(),
      applyUserData: (userData, modules) => {
        applied.push({ userData, modules });
        return Promise.resolve({ code: 0 });
      },
    };
    const marker = '/var/lib/slipway/bootstrapped-abc';
    const none = Buffer.alloc(0);
    assert.equal((await runSshCommand(`sudo test -e ${marker}`, none, guest)).code, 1);
    const run = `sudo sh -c 'cloud-init status --wait >/dev/null; for m in write_files runcmd scripts_user; do cloud-init --file /var/lib/slipway/user-data single --name $m --frequency always || exit 1; done; touch ${marker}'`;
    const early = await runSshCommand(run, none, guest);
    assert.equal(early.code, 2, 'no user-data stored yet');
    assert.match(early.stderr ?? '', /can't open '\/var\/lib\/slipway\/user-data'/);
    const store = `sudo sh -c 'umask 077 && mkdir -p /var/lib/slipway && cat > /var/lib/slipway/user-data'`;
    assert.equal((await runSshCommand(store, Buffer.from('#cloud-config\n'), guest)).code, 0);
    assert.equal((await runSshCommand(run, none, guest)).code, 0);
    assert.deepEqual(applied, [
      { userData: '#cloud-config\n', modules: ['write_files', 'runcmd', 'scripts_user'] },
    ]);
    assert.equal((await runSshCommand(`sudo test -e ${marker}`, none, guest)).code, 0);
    const unknown = await runSshCommand(run.replace('runcmd', 'bootcmd_x'), none, guest);
    assert.equal(unknown.code, 1);
    const shell = await runSshCommand('ls -la /', none, guest);
    assert.equal(shell.code, 127);
    assert.match(shell.stderr ?? '', /not a shell/);
  });
});
