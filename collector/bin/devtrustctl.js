#!/usr/bin/env node
import { endQuietlyWhenOutputCloses } from '@devtrust/shared/cli/closed-output';
import { main } from '../dist/cli/ctl.js';

// `devtrustctl admin-log | head`: a reader that stops reading ends devtrustctl quietly.
endQuietlyWhenOutputCloses();

try {
  process.exitCode = await main();
} catch (error) {
  // Expected failures are handled in main(); anything else is still one line, not a stack trace.
  process.stderr.write(`devtrustctl: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
