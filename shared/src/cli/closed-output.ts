/**
 * Output piped into a reader that stopped reading (`devtrust-agent --once | head -1`): nothing is
 * wrong, so the process ends quietly with exit 0 instead of an unhandled EPIPE and its stack.
 * Every shipped binary calls this first, from its bin file (the process edge).
 */
export function endQuietlyWhenOutputCloses(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
