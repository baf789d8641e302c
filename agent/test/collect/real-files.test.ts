import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { realFiles } from '../../src/collect/host.js';

/**
 * The probes' file reads on the real filesystem. They no longer go through readFile (which
 * reads a file of unknown size through a 64 kB buffer each time): what they return must not
 * have changed, whatever the size the kernel reports.
 */
describe('realFiles.readText', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-real-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads files of every size up to the limit whole, multi-byte characters included', async () => {
    for (const size of [0, 1, 255, 256, 257, 4096, 300_000, 1024 * 1024]) {
      const file = path.join(dir, `f${size}`);
      const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
      writeFileSync(file, text);
      assert.deepEqual(await realFiles.readText(file), { ok: true, value: text }, `${size} bytes`);
    }
  });

  it.skipIf(process.platform !== 'linux')('reads procfs files, whose size the kernel reports as 0, whole', async () => {
    // Longer than the first read's 256 bytes on any machine: it lists every mount.
    const expected = readFileSync('/proc/self/mountinfo', 'utf8');
    assert.ok(expected.length > 256);
    assert.deepEqual(await realFiles.readText('/proc/self/mountinfo'), { ok: true, value: expected });
    assert.deepEqual(await realFiles.readText('/proc/sys/kernel/osrelease'), {
      ok: true,
      value: readFileSync('/proc/sys/kernel/osrelease', 'utf8'),
    });
  });

  it('refuses a file over 1 MB, and names a missing file and a folder', async () => {
    const big = path.join(dir, 'big');
    writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 0x61));
    assert.deepEqual(await realFiles.readText(big), { ok: false, kind: 'failed', reason: `${big} is larger than 1048576 bytes` });
    assert.deepEqual(await realFiles.readText(path.join(dir, 'absent')), {
      ok: false,
      kind: 'missing',
      reason: `${path.join(dir, 'absent')} does not exist`,
    });
    const folder = await realFiles.readText(dir);
    assert.equal(folder.ok, false);
    assert.equal(!folder.ok && folder.kind, 'failed');
  });
});
