/**
 * The child side of bench/lib/proc.ts: answer the bench's calls over IPC, stop on request,
 * and never outlive the bench (a lost IPC channel ends the process).
 */
export type Handlers = Record<string, (args: Record<string, any>) => unknown>;

export function serve(handlers: Handlers, stop: () => Promise<void>): void {
  const send = (message: unknown): void => {
    if (process.connected) process.send?.(message);
  };
  const builtIn: Handlers = {
    gc: () => {
      (globalThis as { gc?: () => void }).gc?.();
      return null;
    },
    memory: () => process.memoryUsage(),
    ...handlers,
  };
  process.on('message', (message: { type?: string; id?: number; cmd?: string; args?: Record<string, unknown> }) => {
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
        (error: unknown) => send({ type: 'reply', id: message.id, error: (error as Error)?.message ?? String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

export function ready(info: Record<string, unknown>): void {
  process.send?.({ type: 'ready', ...info });
}

/** Reports a start-up failure to the bench and exits. */
export function failed(error: unknown): never {
  process.send?.({ type: 'failed', error: (error as Error)?.stack ?? String(error) });
  process.exit(1);
}
