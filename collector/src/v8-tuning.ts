import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived a full collection before it
 * collects again, in percent. Left to itself V8 picks up to 300 % (four times) while its
 * collections are fast, and a sync promotes objects that live across a page's database round
 * trip at a few hundred bytes a device: a million-device sync ran its old generation from 30
 * to 95 MB of mostly garbage before the first full collection, and kept those pages committed
 * (RSS). At 50 % the old generation stays within half again of what is live; what it costs is
 * more full collections, which mostly run on V8's helper threads (docs/performance.md, "Sync
 * speed and memory").
 */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = 'heap-growing-percent';

/** Whether the operator gave V8 a growth of their own on node's command line (NODE_OPTIONS cannot carry it); theirs wins. */
export function operatorSetHeapGrowth(execArgv: readonly string[]): boolean {
  return execArgv.some((option) => option.replace(/_/g, '-').startsWith(`--${FLAG}`));
}

let tuned = false;

/**
 * Applies the collector's V8 settings to this process. At run time and not as node options,
 * so that every way the collector starts has them: `devtrust-collector` (and `npm start`, a
 * service unit or a container running it) calls this before it loads the collector, as the
 * bench's collector child does; startCollector calls it too, for any other embedding. Early
 * matters: V8 sets its limit at each full collection, and start-up already runs one.
 */
export function tuneHeap(): void {
  if (tuned) return;
  tuned = true;
  if (!operatorSetHeapGrowth(process.execArgv)) setFlagsFromString(`--${FLAG}=${HEAP_GROWING_PERCENT}`);
}
