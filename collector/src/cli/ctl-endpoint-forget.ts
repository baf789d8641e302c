import { endpointLabel } from '../domain/endpoint-label.js';
import { endpointPath } from './ctl-endpoint-action.js';
// Types only: ctl-commands.ts imports this file to build its command table.
import type { CtlCall, CtlInput, CtlIo } from './ctl-commands.js';

/** Ids printed per list: the rest are counted (--json lists them all). */
const SHOWN_IDS = 20;

interface Forgotten {
  forgotten?: { id?: string; hostname?: string | null };
  stillPending?: string[];
}

const endpoints = (n: number): string => `${n} ${n === 1 ? 'endpoint' : 'endpoints'}`;

/** The ids, the first SHOWN_IDS of them, then how many more. */
function ids(list: string[]): string {
  const more = list.length - SHOWN_IDS;
  return `${list.slice(0, SHOWN_IDS).join(', ')}${more > 0 ? ` and ${more} more (--json lists them all)` : ''}`;
}

/**
 * What forgetting did, in one line: the endpoint, and the endpoints that waited on its identifiers
 * and stay pending for an admin to approve or deny (forgetting judges none of them again). A forget
 * that leaves endpoints waiting must not look like "ok".
 */
export function forgetSummary(id: string, answer: Forgotten | null): string {
  const hostname = answer?.forgotten?.hostname;
  const head = `forgot ${endpointLabel({ id, hostname: hostname ?? null })}`;
  // An older collector answers 204 and does not say who waited on it.
  if (answer === null) return head;
  const still = answer.stillPending ?? [];
  if (still.length === 0) return `${head}; no endpoint waited on it`;
  const verb = still.length === 1 ? 'waited on it and is still pending' : 'waited on it and are still pending';
  return `${head}; ${endpoints(still.length)} ${verb} (approve or deny each: devtrustctl endpoint approve|deny ID): ${ids(still)}`;
}

/**
 * `devtrustctl endpoint forget ID` (its `run`): deletes the endpoint and says whom that approved
 * or left waiting; --json prints the answer.
 */
export async function forgetEndpoint(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number> {
  const id = input.args[0] as string;
  if (input.flags.yes !== 'true') {
    const stop = await keptOut(call, id, io);
    if (stop !== null) return stop;
  }
  const answer = await call('DELETE', endpointPath(id));
  if (answer.status < 200 || answer.status >= 300) {
    const error = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
    io.err.write(`devtrustctl: ${answer.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the collector refused'}\n`);
    return 1;
  }
  const body = answer.status === 204 ? null : (answer.body as Forgotten | null);
  if (io.json) io.out.write(`${JSON.stringify(body ?? { forgotten: { id } }, null, 2)}\n`);
  else io.out.write(`${forgetSummary(id, body)}\n`);
  return 0;
}

/**
 * A denied endpoint keeps a clone out: the bulk release skips a later copy of the same device as
 * `clone-seen` only while it is there (docs/enrollment-and-posture.md), and a forgotten endpoint
 * leaves no trace. Asked first (exit 1, nothing done); null to go on. A blocked one holding
 * identifiers the collector itself refuses to forget (409 ENDPOINT_BLOCKED); an endpoint it
 * cannot read is left to the DELETE to answer.
 */
async function keptOut(call: CtlCall, id: string, io: CtlIo): Promise<number | null> {
  const shown = await call('GET', endpointPath(id));
  const endpoint = shown.body as { approval?: string | null } | null;
  if (shown.status !== 200 || endpoint?.approval !== 'denied') return null;
  io.err.write(
    `devtrustctl: nothing done: ${id} is denied: while it is kept, a later copy of the same device is not taken for a re-enrolled one ` +
      '(release-reenrolled skips it as clone-seen), and the copy it is stays refused. Forgetting it erases that. ' +
      'Keep it unless it was a mistake; to forget it anyway, run it again with --yes.\n',
  );
  return 1;
}
