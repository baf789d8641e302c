import type { Logger } from 'pino';
import { activeIntegrationViews } from './integration-views.js';
import { deniedMatch, pendingApprovalMatch, releasedMatch } from '../match/approval.js';
import { lookupIdentifiers, lookupIdentifiersForEach, type ReportingCounts } from './identifier-lookups.js';
import { judgeAssertion } from '../match/assertion.js';
import { lookupAssertion, type AssertionKeys } from './assertion-lookup.js';
import { matchDevice, type MatchResult } from '../match/match.js';
import { decide, type EdrAssessment } from '../policy/decide.js';
import { deviceHealthOf, type DeviceHealth, type PostureSource } from '../policy/health.js';
import { postureSources } from '../policy/posture-sources.js';
import { effectivePolicy } from '../policy/effective.js';
import { assureMatch } from '../policy/assurance.js';
import { discloseVerdict } from '../policy/disclosure.js';
import type { Store } from '../store/store.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import type { SettingsService } from './settings.js';
import type { Application } from '../domain/application.js';
import type { Endpoint } from '../domain/endpoint.js';
import type { Integration } from '../domain/integration.js';
import type { Policy } from '../domain/policy.js';
import type { Transaction } from '../domain/transaction.js';
import { usernameOrNull, type User } from '../domain/user.js';
import { NO_AGENT_REASON, NOT_REPORTED_REASON, type Assurance, type Verdict } from '../domain/verdict.js';
import type { IdentifierLookup, IntegrationView } from '../match/match.js';

/** Judges the EDR side for one endpoint; the EDR module provides it. */
/** `lookups: false` judges from synced data only (listings must not call vendors per row). */
export type EdrAssessor = (endpoint: Endpoint, views: IntegrationView[], options?: { lookups?: boolean }) => Promise<EdrAssessment | null>;

export interface Evaluation extends Verdict {
  match: MatchResult;
  policy: Policy;
  /** What the applicable EDR integrations say (null: no EDR integration exists). */
  edr: EdrAssessment | null;
  /** What the health rules read: the agent's report and the integrations' posture. */
  health: DeviceHealth | null;
  /** How the match identified the device, whatever the policy then decided (null: no match). */
  identifiedBy: Assurance | null;
}

export interface EvaluationOptions {
  /** false: judge from synced data only (listings must not call vendors per row). */
  lookups?: boolean;
  /** The user, when the caller read it already (TransactionsRepo.withUser); else it is read here. */
  user?: User | null;
  /** Endpoints reporting each identifier, when read with the endpoint (EndpointsRepo.withReporting). */
  reporting?: ReportingCounts;
  /** What the identifiers' lookup found, when read for a whole page (evaluateEach); else it is read here. */
  identifierLookups?: IdentifierLookup[];
}

/** A match decided by the endpoint's standing alone (released, pending approval, denied), or null: it is matched. */
const standingMatch = (endpoint: Endpoint): MatchResult | null =>
  releasedMatch(endpoint) ?? pendingApprovalMatch(endpoint) ?? deniedMatch(endpoint);

/**
 * Turns an attestation into a verdict: the endpoint's latest report → matching across the
 * integrations active for the user → policy. The decision is recorded on the transaction
 * (exactly once), in the auth log and on the endpoint.
 */
export class VerdictService {
  constructor(
    private readonly store: Store,
    private readonly settings: SettingsService,
    /** The EDR side of verdicts (edr/assessor.ts); null: no EDR judgement at all. */
    private readonly edrAssessor: EdrAssessor | null,
    private readonly log: Logger,
    /** Opens integrations' configuration keys for MDM-asserted identities; null: assertions are not judged. */
    private readonly assertionKeys: AssertionKeys | null = null,
    /** Counts verdicts and their latency (absent: not counted). */
    private readonly metrics?: CollectorMetrics,
  ) {}

  /** What the verdict would be for this endpoint, user and application; stores nothing. */
  async evaluate(
    endpoint: Endpoint | null,
    username: string,
    application: Application | null,
    options: EvaluationOptions = {},
  ): Promise<Evaluation> {
    const policy = effectivePolicy(await this.settings.globalPolicy(), application);
    // Cached between changes (store/change-feed.ts): activation, platforms and config, not inventories.
    const integrations: Integration[] = await this.store.changes.read('integrations', 'all', () => this.store.integrations.list());
    // A name that cannot be a username (an endpoint's last_user stored before reports were held
    // to that) is no known user: the verdict and the pages showing it still answer.
    const user =
      options.user !== undefined ? options.user : usernameOrNull(username) === null ? null : await this.store.users.get(username);
    const views = activeIntegrationViews(integrations, user, username);
    let match: MatchResult;
    let sources: PostureSource[] = [];
    let assurance: Assurance | null = null;
    const pending = endpoint === null ? null : standingMatch(endpoint);
    if (pending !== null) {
      match = pending;
    } else if (endpoint === null) {
      match = { trusted: false, match: null, reasons: [NO_AGENT_REASON], flags: [] };
    } else if (endpoint.report === null) {
      match = { trusted: false, match: null, reasons: [NOT_REPORTED_REASON], flags: [] };
    } else {
      // Normalised once, when the report was stored: not again on every verdict.
      const identifiers = endpoint.identifiers;
      const ids = views.filter((v) => v.inactiveReason === null).map((v) => v.integration.id);
      const lookups = options.identifierLookups ?? (await lookupIdentifiers(this.store, identifiers, ids, endpoint.id, options.reporting));
      const platform = endpoint.report.identity.platform ?? null;
      const matched = matchDevice({ platform, identifiers, blocked: endpoint.blocked }, views, lookups);
      // At most one more indexed query (and an HMAC) per verdict, only when an assertion was reported.
      const assertion = endpoint.report.mdmAssertion ?? null;
      const candidates =
        assertion && this.assertionKeys ? await lookupAssertion(this.store, this.assertionKeys, assertion.deviceId, ids) : [];
      const judged = judgeAssertion(matched, { assertion, publicKey: endpoint.publicKey, platform, candidates }, views);
      assurance = judged.assurance;
      sources = postureSources(judged.match, lookups, views, platform, judged.asserted);
      // Ageing and the key kind read the endpoint row already in hand: no query of their own.
      match = assureMatch(judged.match, endpoint, policy, Date.now());
    }
    const edr = endpoint && this.edrAssessor ? await this.edrAssessor(endpoint, views, options) : null;
    const health = deviceHealthOf(endpoint, sources);
    const verdict = decide({ policy, blocked: endpoint?.blocked ?? false, match, edr, device: health, assurance });
    return { ...verdict, match, policy, edr, health, identifiedBy: assurance };
  }

  /**
   * evaluate() of each endpoint for its last user, from synced data only (no vendor calls), as a
   * listing shows them: the users, the identifiers' records and the reporting counts of the
   * whole page are read together (a few statements) instead of four statements per row.
   */
  async evaluateEach(endpoints: readonly Endpoint[]): Promise<Evaluation[]> {
    const users = await this.store.users.getMany(endpoints.map((e) => e.lastUser ?? ''));
    const userOf = (e: Endpoint): User | null => {
      const name = usernameOrNull(e.lastUser ?? '');
      return name === null ? null : (users.get(name) ?? null);
    };
    const integrations: Integration[] = await this.store.changes.read('integrations', 'all', () => this.store.integrations.list());
    // Those evaluate() would look up: matched, not decided by their standing, with a report.
    const matched = endpoints.filter((e) => standingMatch(e) === null && e.report !== null);
    const found = await lookupIdentifiersForEach(
      this.store,
      matched.map((endpoint) => ({
        endpoint,
        integrationIds: activeIntegrationViews(integrations, userOf(endpoint), endpoint.lastUser ?? '')
          .filter((v) => v.inactiveReason === null)
          .map((v) => v.integration.id),
      })),
    );
    const lookups = new Map(matched.map((e, i) => [e, found[i]]));
    return Promise.all(
      endpoints.map((e) =>
        this.evaluate(e, e.lastUser ?? '', null, {
          lookups: false,
          user: userOf(e),
          ...(lookups.has(e) ? { identifierLookups: lookups.get(e) as IdentifierLookup[] } : {}),
        }),
      ),
    );
  }

  /**
   * Decides a pending transaction; returns null when it was already decided or expired. The
   * auth log keeps every reason; what is returned goes to the attesting agent, i.e. to the
   * user signing in, so it holds as many reasons as the application's reasonDetail shows them.
   */
  async decideTransaction(
    tx: Transaction,
    endpoint: Endpoint | null,
    read: Pick<EvaluationOptions, 'user' | 'reporting'> = {},
  ): Promise<Verdict | null> {
    const started = performance.now();
    const application = await this.store.changes.read('applications', tx.applicationId, () =>
      this.store.applications.get(tx.applicationId),
    );
    const evaluation = await this.evaluate(endpoint, tx.username, application, read);
    const verdict: Verdict = {
      verdict: evaluation.verdict,
      access: evaluation.access,
      reasons: evaluation.reasons,
      assurance: evaluation.assurance ?? null,
    };
    const at = Date.now();
    // The decision, its auth log entry and the endpoint's last verdict: one commit.
    const requireUnblocked = endpoint !== null && !endpoint.blocked;
    const decided = await this.store.recordDecision({
      transaction: tx,
      endpointId: endpoint?.id ?? null,
      applicationName: application?.name ?? null,
      verdict,
      at,
      requireUnblocked,
    });
    if (!decided) {
      // Blocked or forgotten after the reads (an admin acting meanwhile): decide again on the
      // endpoint as it is now, once (it was committed before our write, so a read sees it).
      if (!requireUnblocked || endpoint === null) return null;
      const now = await this.store.endpoints.get(endpoint.id);
      if (now !== null && !now.blocked) return null;
      return this.decideTransaction(tx, now, read);
    }
    this.log.info(
      { transactionId: tx.id, endpointId: endpoint?.id, verdict: verdict.verdict, access: verdict.access, assurance: verdict.assurance },
      'verdict',
    );
    this.metrics?.verdictDecided(verdict, (performance.now() - started) / 1000);
    const { reference: _reference, ...shown } = discloseVerdict(application?.reasonDetail ?? 'summary', verdict, tx.id);
    return shown;
  }
}
