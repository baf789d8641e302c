import type { Platform } from '@devtrust/shared/identity';
import type { KeyKind, Report } from '@devtrust/shared/protocol';
import type { IdentifierKind, Identifiers } from './identifiers.js';
import type { KeysetPosition } from './paging.js';
import type { Verdict } from './verdict.js';

export const APPROVAL_STATES = ['pending', 'approved', 'denied'] as const;
export type EndpointApproval = (typeof APPROVAL_STATES)[number];

/** An identifier value an endpoint reports that another endpoint (heldBy) held before it. */
export interface IdentifierClaim {
  kind: IdentifierKind;
  value: string;
  heldBy: string[];
}

/** The endpoints pending approval on one endpoint's identifiers: how many, and the first few, oldest enrollment first. */
export interface WaitingOn {
  count: number;
  first: { id: string; hostname: string | null; enrolledAt: number }[];
}

/** Another endpoint as a listing or a finding names it: enough to say who it is and whether it still holds anything. */
export interface NamedEndpoint {
  id: string;
  hostname: string | null;
  blocked: boolean;
  releasedAt: number | null;
  lastSeenAt: number;
}

/**
 * One endpoint a pending endpoint waits on, as a listing shows it: the holder its stored claims
 * name (kept current by releases), through which identifier kinds, and where that holder stands
 * (`forgotten`: its claims still name an endpoint since deleted; its page's claimsNow says who
 * holds the values today).
 */
export interface WaitsOn {
  id: string;
  hostname: string | null;
  kinds: IdentifierKind[];
  standing: 'holds' | 'blocked' | 'released' | 'forgotten';
  /**
   * Whether the holder reported at or after the pending endpoint enrolled (null: forgotten): a
   * re-imaged laptop's old key went quiet before its new key enrolled; a copy of a disk image
   * enrolls while the real device goes on reporting (release-caution.ts's same rule).
   */
  reportedSince: boolean | null;
  /** When the holder last reported (null: forgotten). */
  lastSeenAt: number | null;
}

/** An enrolled agent's device, as its latest verified report describes it. */
export interface Endpoint {
  id: string;
  publicKey: string;
  enrolledAt: number;
  lastSeenAt: number;
  lastSeq: number;
  platform: Platform | null;
  hostname: string | null;
  /**
   * The identifiers of the latest report, normalised and placeholder-free once, when the
   * report was stored: matching reads these, never the report's raw identity again.
   */
  identifiers: Identifiers;
  report: Report | null;
  blocked: boolean;
  /** Null: never needed. See docs/enrollment-and-posture.md for the approval flow. */
  approval: EndpointApproval | null;
  /** The identifiers this endpoint claims that another enrolled endpoint held first. */
  approvalClaims: IdentifierClaim[];
  lastUser: string | null;
  lastVerdict: (Verdict & { at: number; transactionId: string }) | null;
  /** Where the agent says its device key lives, as it enrolled (a claim; docs/hardware-keys.md). */
  keyKind: KeyKind;
  /** When an administrator released this endpoint's identifiers (its key is retired); null: never. */
  releasedAt: number | null;
}

/** What releasing an endpoint's identifiers did (EndpointService.release). */
export interface BindingRelease {
  endpointId: string;
  /** The identifiers it held, now free for another device key. */
  identifiers: { kind: string; value: string }[];
  /** Endpoints that waited on it and now hold what they claimed (approved). */
  freed: string[];
  /** Endpoints that waited on it and still claim identifiers another endpoint holds. */
  stillPending: string[];
}

/** What authenticating an agent reads of its endpoint. */
export type EndpointCredentials = Pick<Endpoint, 'id' | 'publicKey' | 'lastSeq'>;

/** One verified report to store for an endpoint. */
export interface ReportToStore {
  endpointId: string;
  seq: number;
  report: Report;
  at: number;
}

/**
 * Storing a batch of reports failed after part of it committed (on PostgreSQL the usual
 * reports' statements commit by themselves, before the rest's transaction). `stored`, per
 * report of the batch: true for one that is stored, false for one whose outcome is the
 * failure (`cause`): not stored, and not known to be a replay.
 */
export class ReportsPartlyStored extends Error {
  constructor(
    readonly stored: readonly boolean[],
    cause: unknown,
  ) {
    super('part of the report batch was stored before storing the rest failed', { cause });
    this.name = 'ReportsPartlyStored';
  }
}

export interface EndpointQuery {
  q?: string;
  approval?: EndpointApproval;
  limit?: number;
  offset?: number;
}

/** Listing orders: newest enrolled first (stable while agents report), or most recently seen first. */
export const ENDPOINT_SORTS = ['lastSeen', 'enrolled'] as const;
export type EndpointSort = (typeof ENDPOINT_SORTS)[number];

/**
 * One page of endpoints. `q` matches hostname, last user, serial, hardware UUID,
 * MachineGuid, MAC address and endpoint id (substrings, separators and case ignored).
 */
export interface EndpointPageQuery {
  q?: string;
  approval?: EndpointApproval;
  sort: EndpointSort;
  after?: KeysetPosition<string>;
  limit: number;
}

/** Endpoint counts for the dashboard. */
export interface EndpointCounts {
  total: number;
  /** Blocked by an administrator or denied at approval, and not released: devices refused now. */
  blocked: number;
  /** Released: keys retired for good (blocked too, but no device an admin holds back). */
  released: number;
  pendingApproval: number;
  /** Seen (reported or connected) since the `since` asked for. */
  seenSince: number;
}
