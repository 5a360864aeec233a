// readIso9660 on images made by the real tools (genisoimage as Proxmox and cloud-localds
// run it, xorriso), on our own images, and on damaged or foreign input.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Iso9660Error, readIso9660 } from './iso9660-reader.ts';
import { writeIso9660, type IsoFile } from './iso9660-writer.ts';
import { runTool, withTempDir } from './test-support.ts';

/** Files with awkward sizes (0, sector edges, over 64 KiB) and NoCloud's names. */
function sampleFiles(): IsoFile[] {
  return [
    { name: 'user-data', data: Buffer.from('#cloud-config\n' + 'a'.repeat(70_000) + '\n') },
    { name: 'meta-data', data: Buffer.from('instance-id: iid-1\nlocal-hostname: node-1\n') },
    { name: 'network-config', data: Buffer.from('version: 2\n') },
    { name: 'vendor-data', data: Buffer.alloc(0) },
    { name: 'exactly-one-sector', data: randomBytes(2048) },
    { name: 'blob.bin', data: randomBytes(300_001) },
  ];
}

/** Builds an image of `files` with a real tool; `args` choose the tool's options. */
async function imageByTool(
  files: IsoFile[],
  tool: 'genisoimage' | 'xorriso',
  args: string[],
): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const source = join(dir, 'source');
    await mkdir(source);
    for (const file of files) await writeFile(join(source, file.name), file.data);
    const out = join(dir, 'out.iso');
    if (tool === 'genisoimage') {
      await runTool('genisoimage', ['-quiet', '-o', out, ...args, source]);
    } else {
      await runTool('xorriso', ['-outdev', out, ...args, '-map', source, '/']);
    }
    return readFile(out);
  });
}

function assertFiles(actual: Map<string, Buffer>, expected: IsoFile[], nameOf = (n: string) => n) {
  assert.deepEqual([...actual.keys()].sort(), expected.map((f) => nameOf(f.name)).sort());
  for (const file of expected) {
    const got = actual.get(nameOf(file.name));
    assert.ok(got?.equals(file.data), `${file.name}: bytes differ`);
  }
}

describe('readIso9660 on images from genisoimage and xorriso', () => {
  it('reads `genisoimage -V cidata -J -R` (what Proxmox and cloud-localds write)', async () => {
    const files = sampleFiles();
    const image = await imageByTool(files, 'genisoimage', ['-V', 'cidata', '-J', '-R']);
    const read = readIso9660(image);
    assert.equal(read.volumeId, 'cidata');
    assertFiles(read.files, files);
  });

  it('reads Joliet-only and Rock Ridge-only images by their long names', async () => {
    const files = sampleFiles();
    for (const extension of ['-J', '-R', '-r']) {
      const image = await imageByTool(files, 'genisoimage', ['-V', 'CIDATA', extension]);
      const read = readIso9660(image);
      assert.equal(read.volumeId, 'CIDATA', extension);
      assertFiles(read.files, files);
    }
  });

  it('reads plain ISO 9660 names as Linux shows them', async () => {
    const files = sampleFiles().filter((f) => f.name !== 'exactly-one-sector');
    const image = await imageByTool(files, 'genisoimage', ['-V', 'cidata']);
    const plain: Record<string, string> = {
      'user-data': 'user_dat',
      'meta-data': 'meta_dat',
      'network-config': 'network_',
      'vendor-data': 'vendor_d',
      'blob.bin': 'blob.bin',
    };
    assertFiles(readIso9660(image).files, files, (name) => plain[name] ?? name);
  });

  it('reads xorriso images with Rock Ridge and Joliet', async () => {
    const files = sampleFiles();
    const image = await imageByTool(files, 'xorriso', ['-volid', 'cidata', '-joliet', 'on']);
    const read = readIso9660(image);
    assert.equal(read.volumeId, 'cidata');
    assertFiles(read.files, files);
  });

  it('reads a root directory that spans several sectors', async () => {
    const files = Array.from({ length: 80 }, (_, i) => ({
      name: `a-rather-long-file-name-number-${String(i).padStart(3, '0')}.yaml`,
      data: Buffer.from(`n: ${i}\n`),
    }));
    for (const args of [['-J', '-R'], ['-J']]) {
      const image = await imageByTool(files, 'genisoimage', ['-V', 'cidata', ...args]);
      assertFiles(readIso9660(image).files, files);
    }
    const ours = writeIso9660({ volumeId: 'cidata', files, createdAt: new Date(0) });
    assertFiles(readIso9660(ours).files, files);
  });
});

describe('readIso9660 on damaged or foreign input', () => {
  const files = sampleFiles();
  const ours = () => writeIso9660({ volumeId: 'cidata', files, createdAt: new Date(0) });

  it('says there is no ISO 9660 volume in garbage, short or empty input', () => {
    for (const input of [randomBytes(64 * 1024), Buffer.alloc(0), Buffer.from('user-data')]) {
      assert.throws(
        () => readIso9660(input),
        (err: unknown) =>
          err instanceof Iso9660Error && /no ISO 9660 primary volume descriptor/.test(err.message),
      );
    }
  });

  it('says which part lies past the end of a truncated image', () => {
    const image = ours();
    assert.throws(
      () => readIso9660(image.subarray(0, 24 * 2048)),
      /the root directory lies past the end of the image/,
    );
    assert.throws(
      () => readIso9660(image.subarray(0, 40 * 2048)),
      /file [a-z.-]+ lies past the end of the image/,
    );
  });

  it('rejects a damaged directory record instead of reading past it', () => {
    const image = ours();
    const root = image.readUInt32LE(16 * 2048 + 156 + 2) * 2048;
    const dot = image[root] ?? 0;
    const dotDot = image[root + dot] ?? 0;
    image[root + dot + dotDot] = 7; // the first file's record length: shorter than any record
    assert.throws(() => readIso9660(image), /directory record at byte \d+ .* is damaged/);
  });

  it('stops following a Rock Ridge continuation that points at itself', () => {
    const image = ours();
    // The continuation area (sector 23) holds the ER entry; make it a CE to itself.
    const loop = Buffer.alloc(28);
    loop.write('CE', 0, 'latin1');
    loop[2] = 28;
    loop[3] = 1;
    for (const [at, value] of [
      [4, 23],
      [12, 0],
      [20, 28],
    ] as const) {
      loop.writeUInt32LE(value, at);
      loop.writeUInt32BE(value, at + 4);
    }
    image.fill(0, 23 * 2048, 24 * 2048);
    loop.copy(image, 23 * 2048);
    // Without ER, Linux (and this reader) use the Joliet names; the loop ends by itself.
    assertFiles(readIso9660(image).files, files);
  });
});
