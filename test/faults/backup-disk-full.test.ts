import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { csvInventory } from '../support/app.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { FsImage, fsImageSkip } from './fs-image.js';

/** A backup needs room for its copy in the data dir (docs/operations-backup-upgrade.md). */
describe.skipIf(fsImageSkip())('a backup with no room in the data dir for its copy', () => {
  it('is refused with 507 BACKUP_NO_SPACE, leaves nothing behind, and is taken once there is room', async () => {
    const image = FsImage.create(48);
    const out = mkdtempSync(path.join(tmpdir(), 'devtrust-backup-full-'));
    let c: TestCollector | undefined;
    try {
      const dataDir = path.join(image.mountPoint, 'data');
      c = await startTestCollector({ scheduler: false, dataDir });
      const rows = ['serial_number,device_name'];
      for (let i = 0; i < 20_000; i++) rows.push(`FULL-${i},laptop-${i}`);
      await csvInventory(c, `${rows.join('\n')}\n`);
      const env = { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN };
      const file = path.join(out, 'backup.sqlite');

      image.fill();
      const refused = await runBin('devtrustctl', ['backup', file], { env });
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /^devtrustctl: 507 BACKUP_NO_SPACE: the data directory has no room for the copy/);
      assert.equal(existsSync(file), false);
      assert.equal(existsSync(`${file}.partial`), false);
      assert.equal(existsSync(path.join(dataDir, 'backup-tmp')), false, 'the failed copy was left in the data dir');

      image.unfill();
      const taken = await runBin('devtrustctl', ['backup', file], { env });
      assert.equal(taken.code, 0, taken.stderr);
      assert.ok(existsSync(file));
      assert.equal(existsSync(path.join(dataDir, 'backup-tmp')), false);
    } finally {
      await c?.stop();
      image.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
