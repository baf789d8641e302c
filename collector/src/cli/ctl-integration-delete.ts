import type { CtlCall, CtlCommand, CtlInput, CtlIo } from './ctl-commands.js';
import { pathArg } from './ctl-commands.js';

/**
 * `devtrustctl integration delete ID`: deleting an integration removes its inventory at once, and
 * devices trusted only through it stop being trusted on the next sign-in. The console asks first;
 * here, as `endpoint forget` and `endpoint release` do, an integration that is active or holds
 * devices is deleted only with --yes. `DELETE /admin/v1/integrations/:id` itself asks nothing.
 */

const integrationPath = (id: string): string => `/admin/v1/integrations/${encodeURIComponent(id)}`;
const devices = (n: number): string => `${n} ${n === 1 ? 'device' : 'devices'}`;

interface Integration {
  name?: string;
  devices?: number;
  activation?: { mode?: string; groups?: string[] };
}

/** What deleting it would stop, in one clause; null when it is disabled and holds no device. */
export function deleteRisk(id: string, integration: Integration): string | null {
  const mode = integration.activation?.mode ?? 'disabled';
  const held = integration.devices ?? 0;
  if (mode === 'disabled' && held === 0) return null;
  const who =
    mode === 'all-users'
      ? 'is active for all users'
      : mode === 'test-groups'
        ? `is active for the test groups ${(integration.activation?.groups ?? []).join(', ') || '(none)'}`
        : 'is disabled';
  const name = typeof integration.name === 'string' ? ` "${integration.name}"` : '';
  const effect =
    mode === 'disabled'
      ? 'its inventory is removed and an upload or sync must fill it again before it can trust anyone'
      : 'devices trusted only through it stop being trusted at once';
  return `integration ${id}${name} ${who} and holds ${devices(held)}: ${effect}`;
}

async function run(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number> {
  const id = pathArg(input, 0, 'integration id');
  if (input.flags.yes !== 'true') {
    const shown = await call('GET', integrationPath(id));
    // Fails closed: an integration it cannot read is not taken for one with nothing at stake. Not found: the DELETE says so.
    if (shown.status !== 200 && shown.status !== 404) {
      const error = (shown.body as { error?: { code?: string } } | null)?.error;
      io.err.write(
        `devtrustctl: nothing done: could not read ${id} to check what deleting it stops (${shown.status} ${error?.code ?? 'ERROR'}); run it again, or with --yes to delete it unchecked\n`,
      );
      return 1;
    }
    const risk = shown.status === 200 && shown.body !== null ? deleteRisk(id, shown.body as Integration) : null;
    if (risk !== null) {
      io.err.write(`devtrustctl: nothing done: ${risk}. To delete it anyway, run it again with --yes.\n`);
      return 1;
    }
  }
  const answer = await call('DELETE', integrationPath(id));
  if (answer.status < 200 || answer.status >= 300) {
    const error = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
    io.err.write(`devtrustctl: ${answer.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the collector refused'}\n`);
    return 1;
  }
  // 204 and no body: "ok", with --json too, as for the other deletes.
  io.out.write('ok\n');
  return 0;
}

export const integrationDeleteCommand: CtlCommand = {
  name: 'integration delete',
  usage: 'ID [--yes]',
  about:
    'delete the integration and its inventory; asks for --yes when it is active or holds devices (devices trusted only through it stop being trusted at once)',
  args: ['ID'],
  switches: ['yes'],
  request: (i) => ({ method: 'DELETE', path: integrationPath(pathArg(i, 0, 'integration id')) }),
  run,
};
