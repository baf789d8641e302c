#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// An idle agent holds one socket and reports every few minutes, yet V8 doubles its young
// generation whenever start-up (loading modules, the first collection) keeps most of what it
// allocates, and never gives that memory back: about 8 MB of the headless agent's resident
// memory. A growth factor of 1 keeps the young generation at its initial size. It has to be
// set here, before the first module is loaded, and at run time: given on the command line,
// V8 raises a factor below 2 to 2 when it sets up the heap (see docs/performance.md).
setFlagsFromString('--semi-space-growth-factor=1');

// Nor does it run anything hot: a report is a few child processes, file reads and one
// signature in native crypto, every few minutes. V8's optimising compilers (TurboFan, and
// Maglev on newer V8) still compile what start-up and the first report call often, on a
// helper thread whose malloc arena keeps 1-4 MB afterwards, and running them touches
// about 3.5 MB of the node binary's own code: 5-8 MB of the idle agent's resident memory
// (docs/performance.md). Interpreted and baseline (Sparkplug) code is all the agent needs.
setFlagsFromString('--max-opt=1');

// Loaded after the flags, so that loading them already runs with the small young generation.
// `devtrust-agent --once | head -1`: a reader that stops reading ends the agent quietly.
const { endQuietlyWhenOutputCloses } = await import('@devtrust/shared/cli/closed-output');
endQuietlyWhenOutputCloses();
const { main } = await import('../dist/cli.js');
process.exitCode = await main();
