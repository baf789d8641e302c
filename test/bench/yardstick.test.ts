import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { machine, machineLine } from '../../bench/lib/output.js';
import { parseProcStat, stealPct } from '../../bench/lib/proc-stat.js';
import { atRunEnd, atRunStart } from '../../bench/lib/yardstick.js';

// The first lines of /proc/stat on the project's 2-core VM (2026-12-01), and the same machine
// 1,000 ticks later: 600 user, 100 system, 200 idle, 100 stolen by the hypervisor.
const CAPTURED = `cpu  7467634 124254 953157 3440877 45629 0 56663 305592 0 0
cpu0 3729626 63198 474501 1727008 26462 0 22199 153199 0 0
cpu1 3738008 61056 478656 1713868 19166 0 34463 152392 0 0
intr 88557278 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 2 2 14
ctxt 1234567
`;
const LATER = `cpu  7468234 124254 953257 3441077 45629 0 56663 305692 0 0
cpu0 3729926 63198 474551 1727108 26462 0 22199 153249 0 0
`;

// Probes of single-thread speed and /proc/stat's steal: types and arithmetic, never times.
describe('bench yardstick', () => {
  it('reads the summed cpu line of /proc/stat: busy, steal and total ticks', () => {
    const total = 7467634 + 124254 + 953157 + 3440877 + 45629 + 0 + 56663 + 305592;
    assert.deepEqual(parseProcStat(CAPTURED), { busy: total - 3440877 - 45629, steal: 305592, total });
  });

  it('gives the share of CPU time stolen between two readings', () => {
    assert.equal(stealPct(parseProcStat(CAPTURED), parseProcStat(LATER)), 10);
    // Nothing stolen, ticks passed: 0, not null.
    const quiet = 'cpu  7468234 124254 953257 3441077 45629 0 56663 305592 0 0';
    assert.equal(stealPct(parseProcStat(CAPTURED), parseProcStat(quiet)), 0);
  });

  it('has no steal share where a reading is missing or no tick passed', () => {
    assert.equal(stealPct(null, parseProcStat(LATER)), null);
    assert.equal(stealPct(parseProcStat(CAPTURED), null), null);
    assert.equal(stealPct(parseProcStat(CAPTURED), parseProcStat(CAPTURED)), null);
  });

  it('refuses text that is not the summed cpu line with a steal column', () => {
    for (const text of [
      '',
      'cpu  1 2 3 4 5 6 7', // before Linux 2.6.11: no steal column
      'cpu0 3729626 63198 474501 1727008 26462 0 22199 153199 0 0',
      'intr 88557278 0 0 0',
      'cpu  1 2 3 x 5 6 7 8 0 0',
    ])
      assert.equal(parseProcStat(text), null, JSON.stringify(text));
  });

  it('records the CPU model and both probe readings in the machine of a run', () => {
    const record = machine(atRunEnd(atRunStart()));
    assert.ok(typeof record.cpuModel === 'string' && record.cpuModel.length > 0);
    assert.ok(record.cpus > 0 && record.memoryGb > 0);
    assert.equal(record.node, process.version);
    assert.deepEqual(Object.keys(record.yardstick).sort(), ['end', 'start']);
    for (const reading of [record.yardstick.start, record.yardstick.end]) {
      assert.deepEqual(Object.keys(reading).sort(), ['ed25519VerifyUs', 'jsonRoundTripUs', 'sha256MBps']);
      for (const value of Object.values(reading)) assert.ok(typeof value === 'number' && value > 0, JSON.stringify(reading));
    }
    if (existsSync('/proc/stat')) {
      const steal = record.stealPct;
      assert.ok(typeof steal === 'number' && steal >= 0 && steal <= 100, String(steal));
    } else assert.equal(record.stealPct, null);
    for (const load of [record.loadAverageStart, record.loadAverageEnd]) assert.ok(typeof load === 'number' && load >= 0);
    const line = machineLine(record);
    assert.ok(line.includes(record.cpuModel) && line.includes('Ed25519 verify'), line);
  });
});
