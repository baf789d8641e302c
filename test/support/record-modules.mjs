// Preloaded (`node --import`) into a spawned binary by tests that check what it loads. When the
// process exits, writes to $DEVTRUST_RECORD_MODULES a JSON object: every module it loaded
// (ES modules through a load hook, CommonJS ones from require.cache) and the size of V8's young
// generation at start and at exit.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { getHeapSpaceStatistics } from 'node:v8';

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

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const modules = [...esModules, ...Object.keys(require.cache)];
  writeFileSync(process.env.DEVTRUST_RECORD_MODULES, JSON.stringify({ modules, youngGeneration: { atStart, atExit: youngGeneration() } }));
});
