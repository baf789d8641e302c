import assert from 'node:assert/strict';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../support/skip.js';
import { CollectorProcess } from './collector-process.js';
import { Fleet } from './fleet.js';
import { FsImage, fsImageSkip } from './fs-image.js';
import { assertDrill, runFault } from './scenario.js';

const AGENTS = 24;

/**
 * The collector's SQLite database on a small ext4 filesystem (a loop device) that fills up
 * or fails and turns read-only, under load from a few dozen real agent links: nothing
 * acknowledged is lost, /readyz says not ready, the log names the cause once, agents stay
 * away as told, and everything comes back by itself once the disk is fixed.
 */
describeUnless(fsImageSkip())('SQLite on a filesystem that fills up or fails', () => {
  let image: FsImage;
  let collector: CollectorProcess;
  let fleet: Fleet;

  beforeAll(async () => {
    image = FsImage.create(64);
    collector = await CollectorProcess.start({ DEVTRUST_DATA_DIR: path.join(image.mountPoint, 'data'), DEVTRUST_AGENT_RETRY_SEC: '1' });
    // Bulky reports (about 6 KB): a full disk is felt within seconds, not minutes.
    fleet = new Fleet(collector.url, AGENTS, { bulk: 25 });
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stop();
    await collector?.stop();
    image?.close();
  });

  it('a full disk: nothing acknowledged is lost, not ready while full, back by itself once space is freed', async () => {
    // Something else keeps filling the disk (a runaway log): space SQLite frees (its WAL
    // file, removed when a failed connection closes) is taken again at once.
    let filling: NodeJS.Timeout | null = null;
    const outcome = await runFault({
      collector,
      fleet,
      inject: async () => {
        image.fill();
        filling = setInterval(() => image.fill(), 50);
      },
      recover: async () => {
        if (filling) clearInterval(filling);
        image.unfill();
      },
    }).finally(() => filling && clearInterval(filling));
    assertDrill(outcome, AGENTS, { kinds: ['disk_full', 'io_error'], cause: /SQLITE_FULL|SQLITE_IOERR/ });
    assert.equal(await collector.healthz(), 200, 'liveness holds through the fault');
  });

  it('a filesystem forced read-only: acknowledged reports survive it (synchronous = FULL), back by itself once remounted', async () => {
    const outcome = await runFault({
      collector,
      fleet,
      inject: async () => image.forceReadOnly(),
      recover: () => image.repair(),
    });
    assertDrill(outcome, AGENTS, { kinds: ['read_only', 'io_error'], cause: /SQLITE_(READONLY|IOERR|CANTOPEN)/ });
  });
});
