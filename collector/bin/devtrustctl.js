#!/usr/bin/env node
import { main } from '../dist/cli/ctl.js';

// Output piped into something that stopped reading (`devtrustctl admin-log | head`): nothing is
// wrong, so end quietly rather than with an unhandled EPIPE and its stack.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  process.exitCode = await main();
} catch (error) {
  // Expected failures are handled in main(); anything else is still one line, not a stack trace.
  process.stderr.write(`devtrustctl: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
