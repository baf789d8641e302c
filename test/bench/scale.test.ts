import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { IDLE_AFTER_REPORT_MS } from '../../bench/figures/agent.js';
import { FULL_ROWS, SMALL_ROWS } from '../../bench/figures/csv-upload.js';
import { FLOOR_WARM_UP_S, FULL_INVENTORY, REST_SAMPLES, SMALL_INVENTORY } from '../../bench/figures/decision.js';
import { FULL_AGENTS, SMALL_AGENTS } from '../../bench/figures/storm.js';
import { FULL_DEVICES, SMALL_DEVICES } from '../../bench/figures/sync.js';
import { FULL_RUNS, SMALL_RUNS } from '../../bench/prompt.js';

// `--scale small` was cut to finish in under two minutes; the full loads are the README table's
// and must not move with it (counts, not times).
describe('bench scale settings', () => {
  it('keeps the full loads the README table reports', () => {
    assert.equal(FULL_AGENTS, 20_000);
    assert.equal(FULL_INVENTORY, 1_000_000);
    assert.equal(REST_SAMPLES.full, 200);
    assert.equal(FLOOR_WARM_UP_S.full, 2);
    assert.equal(FULL_DEVICES, 1_000_000);
    assert.equal(FULL_ROWS, 1_000_000);
    assert.equal(IDLE_AFTER_REPORT_MS.full, 5_000);
    assert.equal(FULL_RUNS, 200);
  });

  it('runs every small load below its full one, and above nothing', () => {
    for (const [small, full] of [
      [SMALL_AGENTS, FULL_AGENTS],
      [SMALL_INVENTORY, FULL_INVENTORY],
      [REST_SAMPLES.small, REST_SAMPLES.full],
      [FLOOR_WARM_UP_S.small, FLOOR_WARM_UP_S.full],
      [SMALL_DEVICES, FULL_DEVICES],
      [SMALL_ROWS, FULL_ROWS],
      [IDLE_AFTER_REPORT_MS.small, IDLE_AFTER_REPORT_MS.full],
      [SMALL_RUNS, FULL_RUNS],
    ] as const) {
      assert.ok(small > 0 && small < full, `${small} against ${full}`);
    }
    // A CSV upload of more than one parsed page (1,000 rows), a sync of more than one Kandji page (300).
    assert.ok(SMALL_ROWS > 1_000);
    assert.ok(SMALL_DEVICES > 300);
  });
});
