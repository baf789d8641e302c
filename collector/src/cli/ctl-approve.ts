import type { CtlCall, CtlCommand, CtlInput, CtlIo } from './ctl-commands.js';
import { endpointIdOf, endpointPath as path, postAndPrint, checkCaution } from './ctl-endpoint-action.js';

/**
 * `devtrustctl endpoint approve ID`: approves a pending endpoint, and warns when an endpoint
 * holding one of its claims is still in use (neither blocked nor released). Approving makes the
 * two duplicates, so the holder stops being trusted through that identifier while both report
 * it: for the same device re-imaged, releasing the holder was meant; for a copy of its disk image,
 * the copy needs identifiers of its own (docs/enrollment-and-posture.md).
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
  claimsNow?: Claim[];
  blocked?: boolean;
  releasedAt?: number | null;
}

/**
 * The holders of what a pending (or denied: unblocking approves it) endpoint claims today that
 * are neither blocked nor released, with what each holds.
 */
export async function holdersInUse(call: CtlCall, shown: { status: number; body: unknown }): Promise<Map<string, Claim[]>> {
  const inUse = new Map<string, Claim[]>();
  const endpoint = shown.body as Shown | null;
  // Not found or neither pending nor denied: the call says so itself, or approves nothing.
  if (shown.status !== 200 || (endpoint?.approval !== 'pending' && endpoint?.approval !== 'denied')) return inUse;
  const claimsOf = new Map<string, Claim[]>();
  // What it claims against today, not what it claimed when it enrolled: its MachineGuid may have
  // been reset since (nothing to warn of), or its holder forgotten and the device enrolled again
  // under a new key that approving it would now make a duplicate.
  for (const claim of endpoint.claimsNow ?? endpoint.approvalClaims ?? [])
    for (const holder of claim.heldBy) claimsOf.set(holder, [...(claimsOf.get(holder) ?? []), claim]);
  for (const [holder, claims] of claimsOf) {
    const read = await call('GET', path(holder));
    const h = read.body as Shown | null;
    if (read.status === 200 && h && !h.blocked && (h.releasedAt ?? null) === null) inUse.set(holder, claims);
  }
  return inUse;
}

async function run(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number> {
  const id = endpointIdOf(input);
  let shown: { status: number; body: unknown } | null = null;
  if (input.flags.yes !== 'true') {
    // A blocked holder (a stolen device?): approving would trust what may be the thief's reinstall.
    const checked = await checkCaution(call, id, 'approveCaution', io);
    if (checked.stop !== null) return checked.stop;
    shown = checked.shown;
  }
  // The endpoint as the check read it (once), or read now when --yes skipped the check; only a
  // pending one is approved here (a denied one is refused: unblock approves it).
  const read = shown ?? (await call('GET', path(id)));
  const inUse = (read.body as Shown | null)?.approval === 'pending' ? await holdersInUse(call, read) : new Map<string, Claim[]>();
  if ((await postAndPrint(call, path(id, '/approve'), io)) !== 0) return 1;
  for (const [holder, claims] of inUse) io.err.write(`devtrustctl: warning: ${inUseMessage(id, holder, claims)}\n`);
  return 0;
}

/** What approving `id` does to `holder`, which holds `claims` and is still in use, and what to do instead. */
export function inUseMessage(id: string, holder: string, claims: readonly Claim[]): string {
  const held = claims.map((c) => `${c.kind} ${c.value}`).join(', ');
  return (
    `${holder} holds ${held} and is neither blocked nor released: while both report it, neither is trusted through it. ` +
    `If ${id} is the same device re-imaged or with its agent reinstalled, release the old endpoint: devtrustctl endpoint release ${holder}. ` +
    // The pending finding's other case (services/pending-advice.ts): releasing the real device would be the mistake.
    `If ${id} is a copy of ${holder}'s disk image (${holder} still reports), do not release ${holder}: give ${id} identifiers of its own ` +
    `(a new MachineGuid; for a virtual machine a new serial number and hardware UUID too); once it reports them the two are no longer duplicates. ` +
    `Or block ${id}: devtrustctl endpoint block ${id}`
  );
}

export const approveCommand: CtlCommand = {
  name: 'endpoint approve',
  usage: 'ID [--yes]',
  about:
    'let a pending endpoint (approval pending) be trusted: its claims count from now on, and the endpoint holding them becomes its duplicate (warned on stderr while it is neither blocked nor released; for a re-imaged device, endpoint release OLD instead; for a copy of a disk image, give the copy identifiers of its own); asks for --yes when a blocked endpoint holds them (a stolen device: this may be the thief)',
  args: ['ID'],
  switches: ['yes'],
  request: (i) => ({ method: 'POST', path: path(endpointIdOf(i), '/approve') }),
  run,
};
