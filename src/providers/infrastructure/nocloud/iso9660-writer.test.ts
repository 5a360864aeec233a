// Images from writeIso9660/buildNoCloudIso, read back by the real tools: isoinfo
// (genisoimage), xorriso and blkid (util-linux), the last being how cloud-init finds the
// seed (`blkid -t LABEL=cidata`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNoCloudIso } from './nocloud-iso.ts';
import { writeIso9660, type IsoFile } from './iso9660-writer.ts';
import {
  imageFile,
  realisticSeed,
  runTool,
  runToolText,
  seedEntries,
  withTempDir,
} from './test-support.ts';

/** Sizes around the sector (2 KiB) and 64 KiB boundaries. */
const awkwardSizes = [0, 1, 2047, 2048, 2049, 65_535, 65_536, 65_537, 300_001];

function awkwardFiles(): IsoFile[] {
  return awkwardSizes.map((size) => ({ name: `file-${size}.bin`, data: randomBytes(size) }));
}

async function checkWithTools(image: Buffer, files: IsoFile[]): Promise<void> {
  await withTempDir(async (dir) => {
    const path = await imageFile(dir, image);
    for (const file of files) {
      const joliet = await runTool('isoinfo', ['-i', path, '-J', '-x', `/${file.name}`]);
      assert.ok(joliet.stdout.equals(file.data), `isoinfo -J -x /${file.name}: bytes differ`);
      const rock = await runTool('isoinfo', ['-i', path, '-R', '-x', `/${file.name}`]);
      assert.ok(rock.stdout.equals(file.data), `isoinfo -R -x /${file.name}: bytes differ`);
    }
    const out = join(dir, 'extracted');
    await mkdir(out);
    await runTool('xorriso', ['-indev', path, '-osirrox', 'on', '-extract', '/', out]);
    assert.deepEqual((await readdir(out)).sort(), files.map((f) => f.name).sort());
    for (const file of files) {
      const extracted = await readFile(join(out, file.name));
      assert.ok(extracted.equals(file.data), `xorriso -extract ${file.name}: bytes differ`);
    }
  });
}

describe('NoCloud ISO read back by isoinfo, xorriso and blkid', () => {
  it('has volume id cidata, Joliet and Rock Ridge, and the files byte for byte', async () => {
    const seed = await realisticSeed();
    assert.ok(seed.userData.length > 4096, 'user-data with the cluster PKI spans sectors');
    const image = buildNoCloudIso(seed);
    await withTempDir(async (dir) => {
      const path = await imageFile(dir, image);
      const info = await runToolText('isoinfo', ['-d', '-i', path]);
      assert.match(info, /^Volume id: cidata$/m);
      assert.match(info, /^Logical block size is: 2048$/m);
      assert.match(info, new RegExp(`^Volume size is: ${image.length / 2048}$`, 'm'));
      assert.match(info, /^Joliet with UCS level 3 found$/m);
      assert.match(info, /Rock Ridge signatures version 1 found/);
      assert.doesNotMatch(info, /bad/i);

      // Rock Ridge listing: POSIX names and read-only modes.
      const listing = await runToolText('isoinfo', ['-R', '-l', '-i', path]);
      for (const [name, content] of seedEntries(seed)) {
        const size = Buffer.byteLength(content);
        assert.match(listing, new RegExp(`^-r--r--r-- .* ${size} .*\\]  ${name} $`, 'm'));
      }
      // Without extensions, readers see 8.3 names (what Linux would show as user_dat).
      const plain = await runToolText('isoinfo', ['-l', '-i', path]);
      assert.match(plain, /USER_DAT\.;1/);
      assert.match(plain, /NETWORK_\.;1/);

      const ls = await runTool('xorriso', ['-report_about', 'WARNING', '-indev', path, '-ls', '/']);
      assert.deepEqual(
        ls.stdout
          .toString('utf8')
          .split('\n')
          .filter((line) => line.startsWith("'")),
        ["'meta-data'", "'network-config'", "'user-data'", "'vendor-data'"],
      );
      // libisofs checks SUSP/Rock Ridge structure as it loads; it found nothing to say.
      assert.doesNotMatch(ls.stderr, /WARNING|SORRY|FAILURE|FATAL/);

      // How cloud-init finds the seed: blkid's TYPE and LABEL.
      const blkid = await runToolText('blkid', ['-p', '-o', 'export', path]);
      assert.match(blkid, /^TYPE=iso9660$/m);
      assert.match(blkid, /^LABEL=cidata$/m);
      const found = await runToolText('blkid', ['-t', 'LABEL=cidata', '-o', 'device', path]);
      assert.equal(found.trim(), path);
    });
    await checkWithTools(
      image,
      seedEntries(seed).map(([name, content]) => ({ name, data: Buffer.from(content) })),
    );
  });

  it('keeps user-data larger than 64 KiB intact', async () => {
    const seed = await realisticSeed(100_000);
    assert.ok(Buffer.byteLength(seed.userData) > 128 * 1024);
    const image = buildNoCloudIso(seed);
    await checkWithTools(
      image,
      seedEntries(seed).map(([name, content]) => ({ name, data: Buffer.from(content) })),
    );
  });

  it('writes files of every awkward size, empty ones included', async () => {
    const files = awkwardFiles();
    await checkWithTools(
      writeIso9660({ volumeId: 'cidata', files, createdAt: new Date(0) }),
      files,
    );
  });

  it('spreads a root directory over several sectors without splitting a record', async () => {
    const files = Array.from({ length: 60 }, (_, i) => ({
      name: `file-number-${String(i).padStart(3, '0')}-with-a-long-name.txt`,
      data: Buffer.from(`content of file ${i}\n`),
    }));
    const image = writeIso9660({ volumeId: 'MANY', files, createdAt: new Date(0) });
    await withTempDir(async (dir) => {
      const path = await imageFile(dir, image);
      const listing = await runToolText('isoinfo', ['-R', '-l', '-i', path]);
      // The root directory's own size (a multiple of 2048 over 2 KiB) and all 60 names.
      const rootSize = /^dr-xr-xr-x\s+\d+\s+0\s+0\s+(\d+) .*\] {2}\. $/m.exec(listing)?.[1];
      assert.ok(Number(rootSize) > 2048 && Number(rootSize) % 2048 === 0, `root ${rootSize}`);
      assert.equal(listing.match(/with-a-long-name\.txt $/gm)?.length, 60);
    });
    await checkWithTools(image, files);
  });

  it('gives the same bytes for the same input, and dates follow createdAt', async () => {
    const seed = await realisticSeed();
    assert.ok(buildNoCloudIso(seed).equals(buildNoCloudIso(seed)));
    const createdAt = new Date('2026-05-04T03:02:01Z');
    const dated = buildNoCloudIso(seed, { createdAt });
    assert.ok(dated.equals(buildNoCloudIso(seed, { createdAt })));
    assert.ok(!dated.equals(buildNoCloudIso(seed)));
    await withTempDir(async (dir) => {
      const path = await imageFile(dir, dated);
      // blkid's UUID of an ISO is its creation (or modification) date.
      const blkid = await runToolText('blkid', ['-p', '-o', 'export', path]);
      assert.match(blkid, /^UUID=2026-05-04-03-02-01-00$/m);
      const listing = await runToolText('xorriso', ['-indev', path, '-lsl', '/']);
      assert.match(listing, /May {2}4 {2}2026 'user-data'/);
      assert.equal((await stat(path)).size % 2048, 0);
    });
  });

  it('rejects input it cannot write, naming the field', () => {
    const createdAt = new Date(0);
    const one = (name: string) => [{ name, data: Buffer.from('x') }];
    assert.throws(
      () => writeIso9660({ volumeId: 'cidata', files: one('a/b'), createdAt }),
      /files: name "a\/b" must be 1–60 characters/,
    );
    assert.throws(
      () => writeIso9660({ volumeId: 'cidata', files: one('x'.repeat(61)), createdAt }),
      /files: name/,
    );
    assert.throws(
      () => writeIso9660({ volumeId: 'cidata', files: [...one('a'), ...one('a')], createdAt }),
      /files: name a appears twice/,
    );
    assert.throws(
      () => writeIso9660({ volumeId: 'x'.repeat(33), files: one('a'), createdAt }),
      /volumeId must be 1–32 printable ASCII characters/,
    );
    assert.throws(
      () => writeIso9660({ volumeId: 'cidata', files: one('a'), createdAt: new Date(NaN) }),
      /createdAt must be a valid date/,
    );
    assert.throws(
      () =>
        buildNoCloudIso({ userData: '', metaData: undefined as unknown as string }, { createdAt }),
      /metaData must be a string/,
    );
  });
});
