// The child side of bench/lib/proc.ts: answer the bench's calls over IPC, stop on request,
// and never outlive the bench (a lost IPC channel ends the process). Plain JavaScript (its
// types are in child-kit.d.mts): the collector child runs without tsx when the build is
// current, so that what the bench measures is the collector as it ships (see collector.mjs).

/** @param {Record<string, (args: Record<string, any>) => unknown>} handlers @param {() => Promise<void>} stop */
export function serve(handlers, stop) {
  const send = (message) => {
    if (process.connected) process.send?.(message);
  };
  const builtIn = {
    gc: () => {
      globalThis.gc?.();
      return null;
    },
    memory: () => process.memoryUsage(),
    ...handlers,
  };
  process.on('message', (message) => {
    if (message?.type === 'stop') {
      void stop()
        .catch(() => undefined)
        .finally(() => process.exit(0));
      return;
    }
    if (message?.type !== 'call') return;
    const handler = builtIn[message.cmd ?? ''];
    if (!handler) {
      send({ type: 'reply', id: message.id, error: `unknown command ${message.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args ?? {}))
      .then(
        (result) => send({ type: 'reply', id: message.id, result: result ?? null }),
        (error) => send({ type: 'reply', id: message.id, error: error?.message ?? String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** @param {Record<string, unknown>} info */
export function ready(info) {
  process.send?.({ type: 'ready', ...info });
}

/** Reports a start-up failure to the bench and exits. */
export function failed(error) {
  process.send?.({ type: 'failed', error: error?.stack ?? String(error) });
  process.exit(1);
}
