import type { CtlCall, CtlCommand, CtlInput, CtlIo } from './ctl-commands.js';
import { UsageError } from './ctl-commands.js';
import { renderObject } from './ctl-render.js';

/**
 * `devtrustctl endpoint approve ID`: approves a pending endpoint, and warns when an endpoint
 * holding one of its claims is still in use (neither blocked nor released). Approving makes the
 * two duplicates, so the holder stops being trusted through that identifier while both report
 * it: for the same device re-imaged, releasing the holder was meant (docs/enrollment-and-posture.md).
 * The warning is said, not asked: the approval stands, and the release can still follow it.
 */

interface Claim {
  kind: string;
  value: string;
  heldBy: string[];
}
interface Shown {
  id: string;
  approval?: string | null;
  approvalClaims?: Claim[];
  blocked?: boolean;
  releasedAt?: number | null;
}

const idOf = (input: CtlInput): string => {
  const id = input.args[0];
  if (id === undefined || id === '') throw new UsageError('missing endpoint id');
  return id;
};
const path = (id: string, suffix = ''): string => `/admin/v1/endpoints/${encodeURIComponent(id)}${suffix}`;

/** The holders of the pending endpoint's claims that are neither blocked nor released, with what each holds. */
async function holdersInUse(call: CtlCall, id: string): Promise<Map<string, Claim[]>> {
  const inUse = new Map<string, Claim[]>();
  const shown = await call('GET', path(id));
  const endpoint = shown.body as Shown | null;
  // Not found or not pending: the approval call says so itself.
  if (shown.status !== 200 || endpoint?.approval !== 'pending') return inUse;
  const claimsOf = new Map<string, Claim[]>();
  for (const claim of endpoint.approvalClaims ?? [])
    for (const holder of claim.heldBy) claimsOf.set(holder, [...(claimsOf.get(holder) ?? []), claim]);
  for (const [holder, claims] of claimsOf) {
    const read = await call('GET', path(holder));
    const h = read.body as Shown | null;
    if (read.status === 200 && h && !h.blocked && (h.releasedAt ?? null) === null) inUse.set(holder, claims);
  }
  return inUse;
}

async function run(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number> {
  const id = idOf(input);
  const inUse = await holdersInUse(call, id);
  const answer = await call('POST', path(id, '/approve'));
  const body = answer.body as Record<string, unknown> | null;
  if (answer.status !== 200 || body === null) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    io.err.write(`devtrustctl: ${answer.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the collector refused'}\n`);
    return 1;
  }
  io.out.write(io.json ? `${JSON.stringify(body, null, 2)}\n` : `${renderObject(body)}\n`);
  for (const [holder, claims] of inUse) {
    const held = claims.map((c) => `${c.kind} ${c.value}`).join(', ');
    io.err.write(
      `devtrustctl: warning: ${holder} holds ${held} and is neither blocked nor released: while both report it, neither is trusted through it. ` +
        `If ${id} is the same device re-imaged or with its agent reinstalled, release the old endpoint: devtrustctl endpoint release ${holder}\n`,
    );
  }
  return 0;
}

export const approveCommand: CtlCommand = {
  name: 'endpoint approve',
  usage: 'ID',
  about:
    'let a pending endpoint (approval pending) be trusted: its claims count from now on, and the endpoint holding them becomes its duplicate (warned on stderr while it is neither blocked nor released; for a re-imaged device, endpoint release OLD instead)',
  args: ['ID'],
  request: (i) => ({ method: 'POST', path: path(idOf(i), '/approve') }),
  run,
};
