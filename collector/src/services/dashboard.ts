import { emptyVerdictBucket, type VerdictBucket } from '../domain/auth-log.js';
import type { EndpointCounts } from '../domain/endpoint.js';
import type { SyncRun } from '../domain/sync-run.js';
import type { AuthLogService } from './auth-log.js';
import type { EndpointService } from './endpoints.js';
import type { FindingsService } from './findings.js';
import type { IntegrationService } from './integrations.js';

const HOUR = 3_600_000;

/** Chart ranges: how far back, and the bucket each bar counts. */
export const DASHBOARD_RANGES = {
  '24h': { spanMs: 24 * HOUR, bucketMs: HOUR },
  '7d': { spanMs: 7 * 24 * HOUR, bucketMs: 6 * HOUR },
  '30d': { spanMs: 30 * 24 * HOUR, bucketMs: 24 * HOUR },
} as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

/** Integration health at a glance: what its last run says, or why it has none. */
export type IntegrationHealth = 'ok' | 'failing' | 'running' | 'never-synced';

export interface DashboardIntegration {
  id: string;
  name: string;
  kind: string;
  activationMode: string;
  devices: number;
  /** When the last sync that succeeded switched its inventory in: the age of what matching reads. */
  syncedAt: number | null;
  health: IntegrationHealth;
  /** The latest attempt, whatever its outcome: a failed one leaves `syncedAt` (and the inventory) as they were. */
  lastSync: Pick<SyncRun, 'status' | 'startedAt' | 'finishedAt' | 'error' | 'errorCode'> | null;
}

export interface Dashboard {
  generatedAt: number;
  endpoints: EndpointCounts & { seenSinceMs: number };
  signIns: {
    range: DashboardRange;
    since: number;
    bucketMs: number;
    utcOffsetMinutes: number;
    totals: Omit<VerdictBucket, 'start'>;
    buckets: VerdictBucket[];
  };
  integrations: DashboardIntegration[];
  findings: { total: number; error: number; warning: number; info: number };
}

function healthOf(lastSync: SyncRun | null): IntegrationHealth {
  if (!lastSync) return 'never-synced';
  if (lastSync.status === 'running') return 'running';
  return lastSync.status === 'succeeded' ? 'ok' : 'failing';
}

/** The console's front page: counts, sign-ins over time, integration health and open findings. */
export class DashboardService {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly authLog: AuthLogService,
    private readonly integrations: IntegrationService,
    private readonly findings: FindingsService,
  ) {}

  /**
   * `utcOffsetMinutes` aligns day buckets with the viewer's midnight (east of UTC positive);
   * every bucket of the range is present, empty ones with zeros.
   */
  async build(range: DashboardRange, utcOffsetMinutes: number, now = Date.now()): Promise<Dashboard> {
    const { spanMs, bucketMs } = DASHBOARD_RANGES[range];
    const offsetMs = utcOffsetMinutes * 60_000;
    const first = Math.floor((now - spanMs + offsetMs) / bucketMs + 1) * bucketMs - offsetMs;
    const [endpoints, counted, integrations, findings] = await Promise.all([
      this.endpoints.counts(now - 24 * HOUR),
      this.authLog.verdictBuckets(first, bucketMs, offsetMs),
      this.integrationHealth(),
      this.findings.counts(),
    ]);
    const byStart = new Map(counted.map((b) => [b.start, b]));
    const buckets: VerdictBucket[] = [];
    for (let start = first; start <= now; start += bucketMs) buckets.push(byStart.get(start) ?? emptyVerdictBucket(start));
    const { start: _start, ...totals } = emptyVerdictBucket(first);
    for (const b of buckets) {
      totals.trusted += b.trusted;
      totals.untrusted += b.untrusted;
      totals.denied += b.denied;
      totals.deniedNoAgent += b.deniedNoAgent;
    }
    return {
      generatedAt: now,
      endpoints: { ...endpoints, seenSinceMs: 24 * HOUR },
      signIns: { range, since: first, bucketMs, utcOffsetMinutes, totals, buckets },
      integrations,
      findings: { total: findings.total, error: findings.error, warning: findings.warning, info: findings.info },
    };
  }

  private async integrationHealth(): Promise<DashboardIntegration[]> {
    const all = await this.integrations.list();
    return Promise.all(
      all.map(async (integration) => {
        const summary = await this.integrations.summary(integration);
        const last = summary.lastSync;
        return {
          id: integration.id,
          name: integration.name,
          kind: integration.kind,
          activationMode: integration.activation.mode,
          devices: summary.devices,
          syncedAt: integration.syncedAt,
          health: healthOf(last),
          lastSync: last
            ? { status: last.status, startedAt: last.startedAt, finishedAt: last.finishedAt, error: last.error, errorCode: last.errorCode }
            : null,
        };
      }),
    );
  }
}
