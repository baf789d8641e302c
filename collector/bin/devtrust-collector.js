#!/usr/bin/env node
// The collector's V8 settings first (collector/src/v8-tuning.ts): V8 sets its old generation's
// limit at each full collection, and loading the collector already runs one.
const { tuneHeap } = await import('../dist/v8-tuning.js');
tuneHeap();
// `devtrust-collector --help | head -1`: a reader that stops reading ends the process quietly.
// A serving collector whose stdout (its log) breaks, e.g. a restarted journald, ends with 1
// instead: its unit (Restart=on-failure) starts it again, where 0 would leave it down.
const { endQuietlyWhenOutputCloses } = await import('@devtrust/shared/cli/closed-output');
const answersOnce = process.argv.slice(2).some((arg) => ['--help', '-h', '--version', '--master-key-check'].includes(arg));
endQuietlyWhenOutputCloses(answersOnce ? 0 : 1);
const { main } = await import('../dist/cli/collector.js');

await main();
