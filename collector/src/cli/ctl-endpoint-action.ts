import type { CtlCall, CtlInput, CtlIo } from './ctl-commands.js';
import { UsageError } from './ctl-commands.js';
import { renderObject } from './ctl-render.js';

// What the endpoint commands that read before they act (approve, release) share.

/** The endpoint id, the command's one argument. */
export function endpointIdOf(input: CtlInput): string {
  const id = input.args[0];
  if (id === undefined || id === '') throw new UsageError('missing endpoint id');
  return id;
}

export const endpointPath = (id: string, suffix = ''): string => `/admin/v1/endpoints/${encodeURIComponent(id)}${suffix}`;

/** Makes the POST and prints its answer as any command does: the endpoint, or one line and exit 1. */
export async function postAndPrint(call: CtlCall, path: string, io: CtlIo): Promise<number> {
  const answer = await call('POST', path);
  const body = answer.body as Record<string, unknown> | null;
  if (answer.status !== 200 || body === null) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    io.err.write(`devtrustctl: ${answer.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the collector refused'}\n`);
    return 1;
  }
  io.out.write(io.json ? `${JSON.stringify(body, null, 2)}\n` : `${renderObject(body)}\n`);
  return 0;
}
