// Preloaded (`node --import`) into a spawned binary by tests that check what it loads. When the
// process exits, writes to $DEVTRUST_RECORD_MODULES a JSON object: every module it loaded
// (ES modules through a load hook, CommonJS ones from require.cache) and the size of V8's young
// generation at start and at exit, and whether V8 would still optimise a function at exit.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const youngGeneration = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? null;
const atStart = youngGeneration();
const esModules = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => esModules.push(url));
port1.unref();
const hooks = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, nextLoad) { port.postMessage(url); return nextLoad(url, context); }
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

/**
 * Asks V8 to optimise a small function on its next call, calls it, and returns whether it was
 * optimised (V8's own status bit, not a timing): false when the process capped its optimising
 * tiers (`--max-opt`). Uses V8's test intrinsics, enabled only here, at exit.
 */
export function optimisesOnRequest() {
  setFlagsFromString('--allow-natives-syntax');
  const prepare = new Function('f', '%PrepareFunctionForOptimization(f)');
  const optimiseNext = new Function('f', '%OptimizeFunctionOnNextCall(f)');
  const status = new Function('f', 'return %GetOptimizationStatus(f)');
  const sum = new Function('a', 'b', 'return a + b');
  prepare(sum);
  sum(1, 2);
  sum(3, 4);
  optimiseNext(sum);
  sum(5, 6);
  const OPTIMIZED = 1 << 4; // V8's OptimizationStatus::kOptimized (Maglev or TurboFan code)
  return (status(sum) & OPTIMIZED) !== 0;
}

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const modules = [...esModules, ...Object.keys(require.cache)];
  writeFileSync(
    process.env.DEVTRUST_RECORD_MODULES,
    JSON.stringify({ modules, youngGeneration: { atStart, atExit: youngGeneration() }, optimises: optimisesOnRequest() }),
  );
});
