import type { Endpoint, NamedEndpoint, WaitsOn } from '../domain/endpoint.js';

/**
 * What a pending endpoint waits on, for a listing: each endpoint its stored claims name, with
 * the identifier kinds it holds against it, in the claims' order. The claims are the row's own
 * (a release rewrites them naming the new holders), so a page of pending endpoints needs only
 * the holders' names besides, read once for the page. Empty for an endpoint that is not pending.
 */
export function waitsOnOf(endpoint: Pick<Endpoint, 'approval' | 'approvalClaims'>, named: ReadonlyMap<string, NamedEndpoint>): WaitsOn[] {
  if (endpoint.approval !== 'pending') return [];
  const out = new Map<string, WaitsOn>();
  for (const claim of endpoint.approvalClaims)
    for (const id of claim.heldBy) {
      const entry = out.get(id) ?? { id, hostname: named.get(id)?.hostname ?? null, kinds: [], standing: standingOf(named.get(id)) };
      if (!entry.kinds.includes(claim.kind)) entry.kinds.push(claim.kind);
      out.set(id, entry);
    }
  return [...out.values()];
}

function standingOf(holder: NamedEndpoint | undefined): WaitsOn['standing'] {
  if (holder === undefined) return 'forgotten';
  if (holder.releasedAt !== null) return 'released';
  return holder.blocked ? 'blocked' : 'holds';
}
