import type { Endpoint, IdentifierClaim, NamedEndpoint, WaitsOn } from '../domain/endpoint.js';

/** Holders a listed pending endpoint names before "and N more": a copy of a laptop with 64 MACs may name 1,280. */
export const WAITS_ON_SHOWN = 5;

/** What a listing says a pending endpoint waits on: the first WAITS_ON_SHOWN holders, and how many there are. */
export interface WaitsOnListed {
  first: WaitsOn[];
  count: number;
  /**
   * Its stored claims no longer describe it (a holder forgotten, or a value it no longer
   * reports) and what it claims now was not read for this page: the endpoint's page says.
   */
  outdated: boolean;
}

/**
 * Whether an endpoint's stored claims still describe it: every value they name is one it
 * reports now. A copy given a new MachineGuid, or a device that stopped reporting a serial,
 * claims against other holders now (EndpointsRepo.claimsNow), or none.
 */
export function claimsStillReported(endpoint: Pick<Endpoint, 'approvalClaims' | 'identifiers'>): boolean {
  const reported = endpoint.identifiers;
  return endpoint.approvalClaims.every((c) =>
    c.kind === 'macAddress' ? (reported.macAddresses ?? []).includes(c.value) : reported[c.kind] === c.value,
  );
}

/**
 * The holders a pending endpoint's stored claims name, in the claims' order, each with the
 * identifier kinds it holds against it (at most WAITS_ON_SHOWN; `count` counts them all). The
 * claims are the row's own (a release rewrites them naming the new holders), so a page needs
 * only the holders' names besides, read once for the page.
 */
export function storedHolders(endpoint: Pick<Endpoint, 'approval' | 'approvalClaims'>): { first: string[]; count: number } {
  if (endpoint.approval !== 'pending') return { first: [], count: 0 };
  const all = new Set(endpoint.approvalClaims.flatMap((c) => c.heldBy));
  return { first: [...all].slice(0, WAITS_ON_SHOWN), count: all.size };
}

/**
 * What a pending endpoint waits on, for a listing. A holder its claims name that no longer
 * exists (forgotten) is said so; when the caller read what the endpoint claims against now
 * (`now`: for an endpoint whose stored claims are out of date, EndpointsRepo.claimsNow, with
 * the stored holders found forgotten), the endpoints holding those values today come first, as the endpoint's own page and the pending finding name them
 * (approving binds what it reports now, making those holders' keys duplicates).
 */
export function waitsOnOf(
  endpoint: Pick<Endpoint, 'approval' | 'approvalClaims' | 'enrolledAt' | 'identifiers'>,
  named: ReadonlyMap<string, NamedEndpoint>,
  now?: { claims: readonly IdentifierClaim[]; forgotten: ReadonlySet<string> },
): WaitsOnListed {
  if (endpoint.approval !== 'pending') return { first: [], count: 0, outdated: false };
  const out = new Map<string, WaitsOn>();
  const add = (claims: readonly IdentifierClaim[]): void => {
    for (const claim of claims)
      for (const id of claim.heldBy) {
        const holder = named.get(id);
        const entry = out.get(id) ?? {
          id,
          hostname: holder?.hostname ?? null,
          kinds: [],
          standing: standingOf(holder),
          reportedSince: holder ? holder.lastSeenAt >= endpoint.enrolledAt : null,
          lastSeenAt: holder?.lastSeenAt ?? null,
        };
        if (!entry.kinds.includes(claim.kind)) entry.kinds.push(claim.kind);
        out.set(id, entry);
      }
  };
  if (now) {
    // What it claims against today: the holders to act on; of the stored claims only a
    // forgotten holder is kept, as history (the others are in `now`, or no longer true).
    add(now.claims);
    const gone = (c: IdentifierClaim): IdentifierClaim => ({ ...c, heldBy: c.heldBy.filter((id) => now.forgotten.has(id)) });
    add(endpoint.approvalClaims.map(gone));
    return { first: [...out.values()].slice(0, WAITS_ON_SHOWN), count: out.size, outdated: false };
  }
  add(endpoint.approvalClaims);
  const first = [...out.values()].slice(0, WAITS_ON_SHOWN);
  return { first, count: out.size, outdated: first.some((w) => w.standing === 'forgotten') || !claimsStillReported(endpoint) };
}

function standingOf(holder: NamedEndpoint | undefined): WaitsOn['standing'] {
  if (holder === undefined) return 'forgotten';
  if (holder.releasedAt !== null) return 'released';
  return holder.blocked ? 'blocked' : 'holds';
}
