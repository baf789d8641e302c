import type { CtlCall, CtlInput, CtlIo } from './ctl-commands.js';
import { UsageError } from './ctl-commands.js';
import { renderObject } from './ctl-render.js';

// What the endpoint commands that read before they act (approve, release) share.

/** The endpoint id, the command's one argument. */
export function endpointIdOf(input: CtlInput): string {
  const id = input.args[0];
  if (id === undefined || id === '') throw new UsageError('missing endpoint id');
  // A URL's dot segments are resolved before it is sent: "." and ".." would name another path.
  if (id === '.' || id === '..') throw new UsageError(`"${id}" is not an endpoint id`);
  return id;
}

interface Caution {
  reason: string;
  message: string;
}

/**
 * Reads the endpoint and what the collector cautions against doing to it (`key`: releaseCaution,
 * approveCaution). Fails closed: an endpoint it cannot read (a proxy's 503, a timeout) is not
 * taken as one with nothing to caution against. Not found: null, and the action says so itself.
 * Returns the exit code when it stops the command (having said why), or null to go on.
 */
export async function stopUnlessClear(
  call: CtlCall,
  id: string,
  key: 'releaseCaution' | 'approveCaution',
  io: CtlIo,
): Promise<number | null> {
  const shown = await call('GET', endpointPath(id));
  if (shown.status === 404) return null;
  if (shown.status !== 200) {
    const error = (shown.body as { error?: { code?: string } } | null)?.error;
    io.err.write(
      `devtrustctl: nothing done: could not read ${id} to check what this risks (${shown.status} ${error?.code ?? 'ERROR'}); run it again, or with --yes to go ahead unchecked\n`,
    );
    return 1;
  }
  const caution = (shown.body as Record<string, Caution | null | undefined> | null)?.[key] ?? null;
  if (caution === null) return null;
  io.err.write(`devtrustctl: nothing done: ${caution.message} To go ahead anyway, run it again with --yes.\n`);
  return 1;
}

export const endpointPath = (id: string, suffix = ''): string => `/admin/v1/endpoints/${encodeURIComponent(id)}${suffix}`;

/** Makes the call (a POST unless said) and prints its answer as any command does: the endpoint, or one line and exit 1. */
export async function postAndPrint(call: CtlCall, path: string, io: CtlIo, method = 'POST'): Promise<number> {
  const answer = await call(method, path);
  const body = answer.body as Record<string, unknown> | null;
  if (answer.status !== 200 || body === null) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    io.err.write(`devtrustctl: ${answer.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the collector refused'}\n`);
    return 1;
  }
  io.out.write(io.json ? `${JSON.stringify(body, null, 2)}\n` : `${renderObject(body)}\n`);
  return 0;
}
