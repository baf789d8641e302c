import type { CtlCall, CtlInput, CtlIo } from './ctl-commands.js';
import { pathArg } from './ctl-commands.js';
import { renderObject } from './ctl-render.js';

// What the endpoint commands that read before they act (approve, release) share.

/** The endpoint id, the command's one argument. */
export const endpointIdOf = (input: CtlInput): string => pathArg(input, 0, 'endpoint id');

interface Caution {
  reason: string;
  message: string;
}

/**
 * Reads the endpoint and what the collector cautions against doing to it (`key`: releaseCaution,
 * approveCaution). Fails closed: an endpoint it cannot read (a proxy's 503, a timeout) is not
 * taken as one with nothing to caution against. Not found: no stop, and the action says so
 * itself. `stop`: the exit code when it stops the command (having said why), or null to go on;
 * `shown`: the answer read, for a caller that needs the endpoint too.
 */
export async function checkCaution(
  call: CtlCall,
  id: string,
  key: 'releaseCaution' | 'approveCaution',
  io: CtlIo,
): Promise<{ stop: number | null; shown: { status: number; body: unknown } }> {
  const shown = await call('GET', endpointPath(id));
  if (shown.status === 404) return { stop: null, shown };
  if (shown.status !== 200) {
    const error = (shown.body as { error?: { code?: string } } | null)?.error;
    io.err.write(
      `devtrustctl: nothing done: could not read ${id} to check what this risks (${shown.status} ${error?.code ?? 'ERROR'}); run it again, or with --yes to go ahead unchecked\n`,
    );
    return { stop: 1, shown };
  }
  const caution = (shown.body as Record<string, Caution | null | undefined> | null)?.[key] ?? null;
  if (caution === null) return { stop: null, shown };
  io.err.write(`devtrustctl: nothing done: ${caution.message} To go ahead anyway, run it again with --yes.\n`);
  return { stop: 1, shown };
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
