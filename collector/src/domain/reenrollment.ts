import type { Platform } from '@devtrust/shared/identity';
import type { EndpointApproval, IdentifierClaim } from './endpoint.js';
import type { SingleIdentifierKind } from './identifiers.js';

/**
 * Re-enrollments: an endpoint pending approval (the newcomer) that is the same device as the
 * endpoint holding its identifiers (the predecessor), come back with a new device key. The
 * rules are match/reenrollment.ts; docs/enrollment-and-posture.md explains them.
 */

/** What the rules read of an endpoint (no report JSON). */
export interface ReenrollmentEndpoint {
  id: string;
  hostname: string | null;
  platform: Platform | null;
  enrolledAt: number;
  lastSeenAt: number;
  blocked: boolean;
  releasedAt: number | null;
  approval: EndpointApproval | null;
}

/** A pending endpoint: what it reports now of the strong kinds, and what it claims that others hold. */
export interface PendingClaimant extends ReenrollmentEndpoint {
  identifiers: Partial<Record<SingleIdentifierKind, string>>;
  claims: IdentifierClaim[];
}

/** An endpoint some pending endpoint waits on, with the strong identifiers bound to its key. */
export interface HoldingEndpoint extends ReenrollmentEndpoint {
  holds: { kind: SingleIdentifierKind; value: string }[];
  /**
   * Other endpoints, blocked or denied and never released, that report one of `holds`: a
   * clone of this device an administrator already turned away.
   */
  blockedTwins: string[];
}

/** Newcomers enrolled inside this window are judged (ms since the epoch; either end open). */
export interface ReenrollmentWindow {
  enrolledAfter?: number;
  enrolledBefore?: number;
}

/**
 * How long the old key must have had to show it still reports: a newcomer enrolled less than
 * `ms` before `now` is not yet a candidate (DEVTRUST_REENROLLMENT_QUIET_MINUTES).
 */
export interface ReenrollmentQuiet {
  now: number;
  ms: number;
}

export const SKIP_REASONS = [
  'newcomer-blocked',
  'several-holders',
  'predecessor-gone',
  'several-newcomers',
  'predecessor-blocked',
  'predecessor-pending',
  'platform-mismatch',
  'predecessor-still-reporting',
  'no-strong-identifier',
  'partial-overlap',
  'clone-seen',
  'too-recent',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A newcomer whose predecessor a bulk release may release. */
export interface Reenrollment {
  newcomer: ReenrollmentEndpoint;
  predecessor: ReenrollmentEndpoint;
  /** The strong identifiers the predecessor holds, all of which the newcomer reports. */
  identifiers: { kind: SingleIdentifierKind; value: string }[];
}

export interface SkippedReenrollment {
  newcomer: ReenrollmentEndpoint;
  /** The endpoints its claims name (one, unless the reason is several-holders). */
  heldBy: string[];
  /**
   * What it reports that others hold, each value with its kind and holders: the admin checks
   * these before releasing one at a time (two skipped rows of a device and its clone differ here).
   */
  claims: IdentifierClaim[];
  reason: SkipReason;
  /** The reason in words, for the admin. */
  detail: string;
}

export interface ReenrollmentJudgement {
  candidates: Reenrollment[];
  skipped: SkippedReenrollment[];
}
