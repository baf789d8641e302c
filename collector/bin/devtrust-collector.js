#!/usr/bin/env node
// The collector's V8 settings first (collector/src/v8-tuning.ts): V8 sets its old generation's
// limit at each full collection, and loading the collector already runs one.
const { tuneHeap } = await import('../dist/v8-tuning.js');
tuneHeap();
// `devtrust-collector --help | head -1`: a reader that stops reading ends the process quietly.
const { endQuietlyWhenOutputCloses } = await import('@devtrust/shared/cli/closed-output');
endQuietlyWhenOutputCloses();
const { main } = await import('../dist/cli/collector.js');

await main();
