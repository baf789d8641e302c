import type { Platform } from '@devtrust/shared/identity';
import type { Report } from '@devtrust/shared/protocol';
import type { IdentifierKind, Identifiers } from './identifiers.js';
import type { Verdict } from './verdict.js';

export const APPROVAL_STATES = ['pending', 'approved', 'denied'] as const;
export type EndpointApproval = (typeof APPROVAL_STATES)[number];

/** An identifier value an endpoint reports that another endpoint (heldBy) held before it. */
export interface IdentifierClaim {
  kind: IdentifierKind;
  value: string;
  heldBy: string[];
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
}

/** What authenticating an agent reads of its endpoint. */
export type EndpointCredentials = Pick<Endpoint, 'id' | 'publicKey' | 'lastSeq'>;

/** One verified report to store for an endpoint. */
export interface ReportToStore {
  endpointId: string;
  seq: number;
  report: Report;
  at: number;
  /**
   * The sequence of the endpoint's last stored report, as the sender knows it (it may be
   * older, never newer). With it the history is trimmed about every tenth report instead of
   * on every one; without it, on every one.
   */
  previousSeq?: number;
}

export interface EndpointQuery {
  q?: string;
  approval?: EndpointApproval;
  limit?: number;
  offset?: number;
}
