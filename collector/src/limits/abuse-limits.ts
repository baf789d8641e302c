import type { AbuseLimits } from '../config/config.js';
import { RateLimiter } from './rate-limiter.js';
import { addressKey } from './address-key.js';

const MINUTE = 60_000;

/** Reports and status checks one agent may send a minute (more when the attestation budget is larger). */
export const AGENT_MESSAGES_PER_MINUTE = 120;

const perMinute = (limit: number | null): RateLimiter | null => (limit === null ? null : new RateLimiter({ limit, windowMs: MINUTE }));

/**
 * Caps on starting sign-ins: anyone who knows an application's public client id can open
 * the authorization endpoint, and every sign-in costs a transaction and (once decided) an
 * auth-log row. One budget per client address, one per application; both in this process.
 */
export class SignInLimits {
  private readonly byAddress: RateLimiter | null;
  private readonly byApplication: RateLimiter | null;

  constructor(limits: AbuseLimits) {
    this.byAddress = perMinute(limits.signInsPerAddress);
    this.byApplication = perMinute(limits.signInsPerApplication);
  }

  /** Throws TooManyRequests (429) once this address has started too many sign-ins. */
  address(address: string): void {
    this.byAddress?.consume(addressKey(address), 'sign-ins from this address');
  }

  /** Throws TooManyRequests (429) once this application has too many sign-ins started. */
  application(applicationId: string): void {
    this.byApplication?.consume(applicationId, 'sign-ins for this application');
  }
}

/**
 * Caps on attestations: each one runs matching and policy (and may call an EDR vendor) and
 * writes the auth log, so one agent (or one address) cannot make the collector do so at will.
 */
export class AttestationLimits {
  private readonly byEndpoint: RateLimiter | null;
  private readonly byAddress: RateLimiter | null;
  private readonly reports: RateLimiter | null;
  private readonly checks: RateLimiter | null;

  constructor(limits: AbuseLimits) {
    this.byEndpoint = perMinute(limits.attestationsPerEndpoint);
    this.byAddress = perMinute(limits.attestationsPerAddress);
    // Reports (each a durable write that binds what it reports) and status checks (each a
    // verdict, and an oracle for which serial numbers an inventory holds) were unlimited: one
    // enrolled agent stored ~300 reports and bound ~300 invented serials a second. A real agent
    // reports every 15 minutes and before each attestation, and checks when its user asks.
    const agentMessages =
      limits.attestationsPerEndpoint === null ? null : Math.max(AGENT_MESSAGES_PER_MINUTE, 4 * limits.attestationsPerEndpoint);
    this.reports = perMinute(agentMessages);
    this.checks = perMinute(agentMessages);
  }

  /** Throws TooManyRequests once this agent has sent too many reports, or status checks, this minute. */
  message(kind: 'report' | 'check', endpointId: string): void {
    (kind === 'report' ? this.reports : this.checks)?.consume(endpointId, `${kind}s from this agent`);
  }

  /** Throws TooManyRequests when either budget is spent. */
  consume(endpointId: string, address: string): void {
    this.byEndpoint?.consume(endpointId, 'attestations from this agent');
    this.byAddress?.consume(addressKey(address), 'attestations from this address');
  }
}

const signIns = new WeakMap<object, SignInLimits>();

/** The collector's one set of sign-in budgets, shared by the OIDC and transaction API routes. */
export function signInLimitsOf(owner: { config: { limits: AbuseLimits } }): SignInLimits {
  let limits = signIns.get(owner);
  if (!limits) {
    limits = new SignInLimits(owner.config.limits);
    signIns.set(owner, limits);
  }
  return limits;
}

const adminAuthFailures = new WeakMap<object, RateLimiter | null>();

/**
 * The collector's one budget of failed API key authentications per client address, shared
 * by the admin API gate and the console's session route (both take API keys); null when off.
 */
export function adminAuthFailuresOf(owner: { config: { limits: AbuseLimits } }): RateLimiter | null {
  if (!adminAuthFailures.has(owner)) adminAuthFailures.set(owner, perMinute(owner.config.limits.adminAuthFailuresPerAddress));
  return adminAuthFailures.get(owner) ?? null;
}
