// buildNoCloudIso/readNoCloudIso against cloud-init's own NoCloud data source (Debian's
// cloud-init; see read-with-cloud-init.py for how it finds and reads the image here).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { writeIso9660 } from './iso9660-writer.ts';
import {
  buildNoCloudIso,
  noCloudIsoFileName,
  NoCloudIsoError,
  readNoCloudIso,
  type NoCloudFiles,
} from './nocloud-iso.ts';
import {
  imageFile,
  readWithCloudInit,
  realisticSeed,
  runTool,
  seedEntries,
  withTempDir,
} from './test-support.ts';

function fromBase64(text: string | undefined): string {
  return Buffer.from(text ?? '', 'base64').toString('utf8');
}

async function genisoimage(files: NoCloudFiles, label: string): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const source = join(dir, 'source');
    await mkdir(source);
    for (const [name, content] of seedEntries(files)) await writeFile(join(source, name), content);
    const out = join(dir, 'reference.iso');
    await runTool('genisoimage', ['-quiet', '-o', out, '-V', label, '-J', '-R', source]);
    return readFile(out);
  });
}

function expectReason(reason: string, pattern: RegExp) {
  return (err: unknown) =>
    err instanceof NoCloudIsoError && err.reason === reason && pattern.test(err.message);
}

describe('cloud-init reads the NoCloud ISO as written', () => {
  for (const extra of [0, 100_000]) {
    it(`finds it by label and parses every file (user-data ${extra ? '> 128 KiB' : '~8 KB'})`, async () => {
      const seed = await realisticSeed(extra);
      await withTempDir(async (dir) => {
        const path = await imageFile(dir, buildNoCloudIso(seed));
        const reading = await readWithCloudInit(path);
        assert.equal(reading.found, true, 'cloud-init claimed the seed');
        // The image was found as a device (blkid TYPE=iso9660 + LABEL=cidata), not a seed dir.
        assert.equal(reading.seed, path);
        assert.equal(fromBase64(reading.userdata_b64), seed.userData);
        assert.equal(fromBase64(reading.vendordata_b64), seed.vendorData);
        assert.deepEqual(reading.userdata_parts, ['text/cloud-config']);
        const metaData = parse(seed.metaData) as Record<string, unknown>;
        assert.equal(reading.instance_id, metaData['instance-id']);
        assert.equal(reading.metadata?.['local-hostname'], metaData['local-hostname']);
        assert.deepEqual(reading.network_config, parse(seed.networkConfig ?? ''));
      });
    });
  }

  it('agrees with readNoCloudIso, and both read genisoimage`s image the same way', async () => {
    const seed = await realisticSeed();
    const ours = buildNoCloudIso(seed);
    assert.deepEqual(readNoCloudIso(ours), seed);
    assert.deepEqual(readNoCloudIso(await genisoimage(seed, 'cidata')), seed);
  });

  it('builds without the optional files, and cloud-init does not invent them', async () => {
    const seed = await realisticSeed();
    const files = { userData: seed.userData, metaData: seed.metaData };
    const image = buildNoCloudIso(files);
    assert.deepEqual(readNoCloudIso(image), files);
    await withTempDir(async (dir) => {
      const reading = await readWithCloudInit(await imageFile(dir, image));
      assert.equal(reading.found, true);
      assert.equal(reading.network_config, null);
      assert.equal(fromBase64(reading.vendordata_b64), '');
    });
  });
});

describe('readNoCloudIso says why an image is no NoCloud seed', () => {
  const files: NoCloudFiles = {
    userData: '#cloud-config\n',
    metaData: 'instance-id: iid-1\n',
  };
  const createdAt = new Date(0);
  const image = (volumeId: string, names: string[]) =>
    writeIso9660({
      volumeId,
      files: names.map((name) => ({ name, data: Buffer.from(`${name}\n`) })),
      createdAt,
    });

  it('accepts CIDATA as cloud-init does, and nothing else', async () => {
    const upper = await genisoimage(files, 'CIDATA');
    assert.deepEqual(readNoCloudIso(upper), files);
    const wrong = await genisoimage(files, 'config-2');
    assert.throws(
      () => readNoCloudIso(wrong),
      expectReason('WrongLabel', /volume label is "config-2", cloud-init looks for "cidata"/),
    );
    assert.throws(
      () => readNoCloudIso(image('Cidata', ['user-data', 'meta-data'])),
      expectReason('WrongLabel', /"Cidata"/),
    );
    // cloud-init's blkid queries match CIDATA but not config-2.
    await withTempDir(async (dir) => {
      assert.equal((await readWithCloudInit(await imageFile(dir, upper, 'a.iso'))).found, true);
      assert.equal((await readWithCloudInit(await imageFile(dir, wrong, 'b.iso'))).found, false);
    });
  });

  it('names the missing file, as cloud-init refuses the seed', async () => {
    const noMetaData = image('cidata', ['user-data', 'network-config']);
    assert.throws(
      () => readNoCloudIso(noMetaData),
      expectReason('MissingMetaData', /no meta-data .*files: network-config, user-data/),
    );
    assert.throws(
      () => readNoCloudIso(image('cidata', ['meta-data'])),
      expectReason('MissingUserData', /no user-data .*files: meta-data/),
    );
    assert.throws(
      () => readNoCloudIso(image('cidata', [])),
      expectReason('MissingUserData', /files: none/),
    );
    await withTempDir(async (dir) => {
      assert.equal((await readWithCloudInit(await imageFile(dir, noMetaData))).found, false);
    });
  });

  it('calls garbage not ISO 9660, without crashing', () => {
    for (const input of [randomBytes(40 * 2048), Buffer.alloc(0), Buffer.from('#cloud-config')]) {
      assert.throws(
        () => readNoCloudIso(input),
        expectReason('NotIso9660', /not a NoCloud ISO: no ISO 9660 primary volume descriptor/),
      );
    }
    const truncated = buildNoCloudIso(files).subarray(0, 20 * 2048);
    assert.throws(() => readNoCloudIso(truncated), expectReason('NotIso9660', /past the end/));
  });
});

describe('noCloudIsoFileName', () => {
  it('is stable, upload-safe and ends with .iso', () => {
    const uid = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
    assert.equal(noCloudIsoFileName('web-0', uid), `slipway-web-0-${uid}.iso`);
    assert.equal(noCloudIsoFileName('web-0', uid), noCloudIsoFileName('web-0', uid));
    assert.equal(noCloudIsoFileName('a b/c:d', 'ü/1'), 'slipway-a_b_c_d-__1.iso');
    const long = noCloudIsoFileName('n'.repeat(253), uid);
    assert.ok(long.length <= 200 && long.endsWith(`-${uid}.iso`), long);
    assert.match(long, /^[A-Za-z0-9_.-]+\.iso$/);
  });

  it('rejects empty input, naming the field', () => {
    assert.throws(() => noCloudIsoFileName('', 'u'), /machineName must not be empty/);
    assert.throws(() => noCloudIsoFileName('m', ''), /machineUID must not be empty/);
  });
});
