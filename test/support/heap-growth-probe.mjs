// Preloaded (`node --expose-gc --import`) into a spawned devtrust-collector by the heap-tuning
// test. On SIGUSR2 it keeps a fixed amount of objects alive while replacing them (each survives
// long enough to reach the old generation, as a sync's pages do), and prints how far the old
// generation grew past what was live: `heap-growth {"live":…,"peak":…}` (bytes).
import { getHeapSpaceStatistics } from 'node:v8';

const oldGeneration = () =>
  getHeapSpaceStatistics()
    .filter((space) => space.space_name === 'old_space')
    .reduce((sum, space) => sum + space.space_used_size, 0);

process.on('SIGUSR2', async () => {
  const kept = [];
  let peak = 0;
  for (let step = 0; step < 1_500; step++) {
    // A turn of the event loop each step: V8 finishes its incremental marking in tasks.
    await new Promise((resolve) => setImmediate(resolve));
    kept.push(Array.from({ length: 8_000 }, (_, k) => ({ k, step, text: `v${k}` })));
    if (kept.length > 64) kept.shift();
    // Past the first collections: the growth V8 allows from then on.
    if (step > 500) peak = Math.max(peak, oldGeneration());
  }
  globalThis.gc();
  const live = oldGeneration();
  process.stdout.write(`heap-growth ${JSON.stringify({ live, peak })}\n`);
  kept.length = 0;
});
