import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { operatorSetHeapGrowth } from '@devtrust/collector/v8-tuning';
import { BINS, ROOT } from '../support/bin.js';
import { freePort, spawnProcess } from './spawned.js';

/**
 * The shipped collector bounds how far V8's old generation grows past what is live
 * (collector/src/v8-tuning.ts), whatever starts it: checked on a real devtrust-collector by
 * what its heap does under a load that promotes objects, not by a memory figure.
 */
/** Old generation's peak over what is live: the shipped setting stays under it, V8's own 300 % goes past. */
const GROWTH_LINE = 3.5;

describe('devtrust-collector V8 heap tuning', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-heap-tuning-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** How far the old generation of a collector started with `nodeOptions` grew past what was live. */
  async function growth(nodeOptions: string[] = []): Promise<number> {
    const probe = path.join(ROOT, 'test/support/heap-growth-probe.mjs');
    const collector = spawnProcess(process.execPath, [...nodeOptions, '--expose-gc', '--import', probe, BINS['devtrust-collector']], {
      env: {
        DEVTRUST_DATA_DIR: dataDir,
        DEVTRUST_HOST: '127.0.0.1',
        DEVTRUST_PORT: String(await freePort()),
        DEVTRUST_LOG_LEVEL: 'silent',
      },
    });
    try {
      await collector.waitForOutput(/DevTrust collector listening/, 'the listening line');
      collector.child.kill('SIGUSR2');
      const [, json] = await collector.waitForOutput(/heap-growth (\{.*\})/, 'the probe', 120_000);
      const { live, peak } = JSON.parse(json as string) as { live: number; peak: number };
      assert.ok(live > 20 * 2 ** 20, `live ${live}`);
      return peak / live;
    } finally {
      await collector.stop();
    }
  }

  // Measured on this machine: 2.28–2.59 times with the shipped setting, 5.25–5.70 with V8's own
  // 300 % (the peak includes the garbage V8 has not collected yet, so it exceeds the setting's
  // 1.5). The line between them is drawn where neither comes near it: at 2.5 the shipped
  // setting failed one run in four.
  it('keeps the old generation far below what V8 alone lets it reach', async () => {
    const ratio = await growth();
    assert.ok(ratio < GROWTH_LINE, `the old generation peaked at ${ratio.toFixed(2)} times what was live`);
  });

  it("leaves an operator's own growth setting alone", async () => {
    assert.equal(operatorSetHeapGrowth(['--heap_growing_percent=10']), true);
    assert.equal(operatorSetHeapGrowth(['--expose-gc', '--max-old-space-size=512']), false);
    const ratio = await growth(['--heap-growing-percent=300']);
    assert.ok(ratio > GROWTH_LINE, `the old generation peaked at only ${ratio.toFixed(2)} times what was live`);
  });
});
