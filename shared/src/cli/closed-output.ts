/** A write to a pipe whose reader is gone, or any write after that first one. */
const closedPipe = (error: NodeJS.ErrnoException): boolean => error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';

/**
 * Output piped into a reader that stopped reading (`devtrust-agent --once | head -1`): nothing is
 * wrong, so the process ends quietly instead of with an unhandled EPIPE and its stack. A closed
 * stdout ends it with 0 (the reader has what it wanted); a closed stderr (`2>&1 | head -1`) only
 * loses what is written there, and the process ends with its own exit code. Every shipped
 * binary calls this first, from its bin file (the process edge). `exitCode`: a serving process
 * (the collector) whose log pipe broke ends with 1, so its service manager starts it again.
 */
export function endQuietlyWhenOutputCloses(exitCode = 0): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (closedPipe(error)) process.exit(exitCode);
    throw error;
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (!closedPipe(error)) throw error;
  });
}
