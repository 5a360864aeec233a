import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { CloudConfigError, localHostnameFrom, readCloudConfig } from './cloud-config.ts';

const cloudConfig = (doc: unknown) => `#cloud-config\n${stringify(doc)}`;

describe('reading cloud-config', () => {
  test('decodes write_files in every encoding cloud-init knows, and appends', () => {
    const text = 'hello\nworld\n';
    const view = readCloudConfig(
      cloudConfig({
        write_files: [
          { path: '/plain', content: text },
          { path: '/b64', encoding: 'b64', content: Buffer.from(text).toString('base64') },
          { path: '/base64', encoding: 'base64', content: Buffer.from(text).toString('base64') },
          {
            path: '/gzb64',
            encoding: 'gz+b64',
            content: gzipSync(Buffer.from(text)).toString('base64'),
          },
          { path: '/plain', content: 'more\n', append: true },
          { path: '/empty' },
        ],
      }),
    );
    for (const path of ['/b64', '/base64', '/gzb64']) {
      assert.equal(view.files.get(path)?.toString(), text, path);
    }
    assert.equal(view.files.get('/plain')?.toString(), `${text}more\n`);
    assert.equal(view.files.get('/empty')?.length, 0);
  });

  test('reads YAML !!binary content', () => {
    const userData = `#cloud-config\nwrite_files:\n  - path: /bin\n    encoding: gzip\n    content: !!binary |\n      ${gzipSync(Buffer.from('zipped')).toString('base64')}\n`;
    assert.equal(readCloudConfig(userData).files.get('/bin')?.toString(), 'zipped');
  });

  test('joins argv-style commands; bootcmd runs before runcmd', () => {
    const view = readCloudConfig(
      cloudConfig({ bootcmd: ['echo boot'], runcmd: [['sh', '-c', 'echo run'], 'echo two'] }),
    );
    assert.deepEqual(view.commands, ['echo boot', 'sh -c echo run', 'echo two']);
  });

  test('hostname from hostname, else the first label of fqdn', () => {
    assert.equal(readCloudConfig(cloudConfig({ hostname: 'cp-1', fqdn: 'x.y' })).hostname, 'cp-1');
    assert.equal(readCloudConfig(cloudConfig({ fqdn: 'cp-2.lab.example' })).hostname, 'cp-2');
    assert.equal(readCloudConfig(cloudConfig({})).hostname, undefined);
    assert.equal(localHostnameFrom('instance-id: i\nlocal-hostname: cp-3\n'), 'cp-3');
    assert.equal(localHostnameFrom('{"local-hostname": "cp-4"}'), 'cp-4');
    assert.equal(localHostnameFrom('::: not yaml'), undefined);
  });

  test('refuses what cloud-init would refuse', () => {
    const bad = [
      'hostname: x\n',
      '#cloud-config\n- a list\n',
      cloudConfig({ write_files: { path: '/x' } }),
      cloudConfig({ write_files: [{ content: 'no path' }] }),
      cloudConfig({ write_files: [{ path: '/x', encoding: 'rot13', content: 'x' }] }),
      cloudConfig({ write_files: [{ path: '/x', encoding: 'gzip', content: 'not gzip' }] }),
      cloudConfig({ runcmd: 'echo not a list' }),
      cloudConfig({ runcmd: [{ not: 'a command' }] }),
    ];
    for (const userData of bad) {
      assert.throws(() => readCloudConfig(userData), CloudConfigError, userData);
    }
  });
});
