import { Counter, type Gauge } from 'prom-client';
import { DB_FAULT_KINDS } from '../services/health.js';
import type { Services } from '../services/services.js';
import type { CollectorMetrics } from './collector-metrics.js';

/** Scrapes come every 15–60 s from each Prometheus; inventory counts and findings need not be fresher. */
const DATABASE_READ_TTL_MS = 30_000;

/** What the gauges read besides the services: the agent channel's live counts. */
export interface SessionCounts {
  readonly connections: number;
  readonly connectedEndpoints: number;
}

/**
 * The gauges read at scrape time: agent sessions, each integration's inventory size and
 * last successful sync, open findings by type, and database faults. The database reads
 * are cached for 30 s, so a scrape every few seconds (or several Prometheus servers) does
 * not count a million-row inventory each time; a failed read leaves the family empty for
 * that scrape instead of failing the whole exposition.
 */
export function registerInventoryGauges(metrics: CollectorMetrics, services: Services, sessions: SessionCounts): void {
  metrics.gauge({
    name: 'devtrust_agent_sessions',
    help: 'Agent WebSocket connections on this collector: open sockets, and endpoints with an authenticated session',
    labelNames: ['state'],
    collect(gauge) {
      gauge.set({ state: 'connected' }, sessions.connections);
      gauge.set({ state: 'authenticated' }, sessions.connectedEndpoints);
    },
  });

  const integrations = cached(async () => {
    const list = await services.integrations.list();
    return Promise.all(list.map((integration) => services.integrations.summary(integration)));
  });
  const labelsOf = (i: { id: string; name: string; kind: string }) => ({ integration_id: i.id, integration: i.name, kind: i.kind });
  metrics.gauge({
    name: 'devtrust_integration_devices',
    help: 'Devices in each integration’s current inventory',
    labelNames: ['integration_id', 'integration', 'kind'],
    async collect(gauge) {
      await fill(gauge, integrations, (rows) => rows.map((i) => [labelsOf(i), i.devices]));
    },
  });
  metrics.gauge({
    name: 'devtrust_integration_last_success_timestamp_seconds',
    help: 'When each integration’s inventory was last replaced by a successful sync or upload (Unix seconds); absent before the first',
    labelNames: ['integration_id', 'integration', 'kind'],
    async collect(gauge) {
      await fill(gauge, integrations, (rows) =>
        rows.filter((i) => i.syncedAt !== null).map((i) => [labelsOf(i), (i.syncedAt as number) / 1000]),
      );
    },
  });

  const findings = cached(() => services.findings.counts());
  metrics.gauge({
    name: 'devtrust_findings_open',
    help: 'Findings an admin should look at, by type (duplicate identifiers, placeholders, pending approvals, silent agents, failed syncs)',
    labelNames: ['type'],
    async collect(gauge) {
      await fill(gauge, findings, (counts) =>
        Object.entries(counts.byType)
          .filter(([, n]) => n > 0)
          .map(([type, n]) => [{ type }, n]),
      );
    },
  });

  const { faults } = services.health;
  metrics.gauge({
    name: 'devtrust_db_fault',
    help: '1 while a database fault of that kind lasts',
    labelNames: ['kind'],
    collect(gauge) {
      for (const kind of DB_FAULT_KINDS) gauge.set({ kind }, faults.current?.kind === kind ? 1 : 0);
    },
  });
  new Counter({
    name: 'devtrust_db_errors_total',
    help: 'Database errors by kind since this collector started',
    labelNames: ['kind'],
    registers: [metrics.registry],
    collect() {
      // The fault monitor counts; this reads its running totals at scrape time.
      this.reset();
      for (const kind of DB_FAULT_KINDS) this.inc({ kind }, faults.errorsByKind.get(kind) ?? 0);
    },
  });
}

type Labels = Record<string, string>;

async function fill<T, L extends string>(gauge: Gauge<L>, read: () => Promise<T>, rows: (value: T) => [Labels, number][]): Promise<void> {
  gauge.reset();
  let value: T;
  try {
    value = await read();
  } catch {
    return; // the database is down: /readyz and devtrust_db_fault say so; the rest of the scrape still answers
  }
  for (const [labels, n] of rows(value)) gauge.set(labels as Partial<Record<L, string>>, n);
}

/** One read per TTL, shared by concurrent scrapes; a failed read is not cached. */
function cached<T>(read: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (entry === null || now - entry.at > DATABASE_READ_TTL_MS) {
      const value = read();
      const current = { at: now, value };
      entry = current;
      value.catch(() => {
        if (entry === current) entry = null;
      });
    }
    return entry.value;
  };
}
