import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Verdict } from '../domain/verdict.js';
import { reasonClass } from './reason-class.js';

/** Seconds: a decision is a few database reads and writes; a sign-in waits on it. */
const DECISION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds: vendor APIs answer in tens of milliseconds to tens of seconds. */
const VENDOR_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** An integration as metrics label it: the id is stable, the name is what a dashboard shows. */
export interface IntegrationLabels {
  id: string;
  name: string;
  kind: string;
}

/**
 * The collector's Prometheus metrics, one registry per collector (a test process may run
 * several collectors; a process-wide default registry would mix their counts). The parts
 * that count events (verdicts, reports, syncs, vendor calls) call the methods here; the
 * gauges read from the database at scrape time are registered by `inventory-gauges.ts`.
 */
export class CollectorMetrics {
  readonly registry = new Registry();

  private readonly verdicts = new Counter({
    name: 'devtrust_verdicts_total',
    help: 'Verdicts decided, by outcome (trust and access) and reason class',
    labelNames: ['verdict', 'access', 'reason_class'] as const,
    registers: [this.registry],
  });
  private readonly decisionSeconds = new Histogram({
    name: 'devtrust_decision_duration_seconds',
    help: 'Time to decide and record one verdict (matching, policy, EDR judgement, writes)',
    buckets: DECISION_BUCKETS,
    registers: [this.registry],
  });
  private readonly reports = new Counter({
    name: 'devtrust_reports_ingested_total',
    help: 'Agent reports, by result: stored, replayed (not newer than the stored one) or failed (not stored)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly syncRuns = new Counter({
    name: 'devtrust_sync_runs_total',
    help: 'Inventory sync runs and CSV uploads that ended, by integration and result',
    labelNames: ['integration_id', 'integration', 'kind', 'result'] as const,
    registers: [this.registry],
  });
  private readonly vendorSeconds = new Histogram({
    name: 'devtrust_vendor_request_duration_seconds',
    help: 'Vendor API requests (until the answer headers), by integration kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    buckets: VENDOR_BUCKETS,
    registers: [this.registry],
  });
  private readonly vendorErrors = new Counter({
    name: 'devtrust_vendor_errors_total',
    help: 'Vendor API requests that failed, by integration kind and error (timeout, network, http_4xx, http_5xx, http_429)',
    labelNames: ['kind', 'error'] as const,
    registers: [this.registry],
  });
  private readonly http = new Counter({
    name: 'devtrust_http_requests_total',
    help: 'HTTP requests answered, by status class',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Process CPU, memory, file descriptors, GC, and event-loop lag (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry });
  }

  verdictDecided(verdict: Verdict, seconds: number): void {
    this.verdicts.inc({ verdict: verdict.verdict, access: verdict.access, reason_class: reasonClass(verdict) });
    this.decisionSeconds.observe(seconds);
  }

  reportsIngested(stored: boolean[]): void {
    const storedCount = stored.filter(Boolean).length;
    if (storedCount > 0) this.reports.inc({ result: 'stored' }, storedCount);
    if (stored.length > storedCount) this.reports.inc({ result: 'replayed' }, stored.length - storedCount);
  }

  reportsFailed(count: number): void {
    this.reports.inc({ result: 'failed' }, count);
  }

  syncEnded(integration: IntegrationLabels, result: 'succeeded' | 'failed' | 'cancelled'): void {
    this.syncRuns.inc({ integration_id: integration.id, integration: integration.name, kind: integration.kind, result });
  }

  vendorRequest(kind: string, seconds: number, error: VendorCallError | null): void {
    this.vendorSeconds.observe({ kind, outcome: error === null ? 'ok' : 'error' }, seconds);
    if (error !== null) this.vendorErrors.inc({ kind, error });
  }

  httpAnswered(status: number): void {
    this.http.inc({ status: `${Math.floor(status / 100)}xx` });
  }

  /** A gauge read when Prometheus scrapes. */
  gauge<L extends string>(options: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    collect: (gauge: Gauge<L>) => Promise<void> | void;
  }): void {
    const { collect, ...rest } = options;
    new Gauge<L>({
      ...rest,
      registers: [this.registry],
      async collect() {
        await collect(this);
      },
    });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export type VendorCallError = 'timeout' | 'network' | 'http_429' | 'http_4xx' | 'http_5xx';

/** A vendor fetch that reports each request's latency and failure to the metrics. */
export function measuredFetch(inner: typeof fetch, kind: string, metrics: CollectorMetrics): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    try {
      const response = await inner(input, init);
      const status = response.status;
      const error: VendorCallError | null = status === 429 ? 'http_429' : status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : null;
      metrics.vendorRequest(kind, (performance.now() - started) / 1000, error);
      return response;
    } catch (error) {
      const timedOut = (error as { code?: string }).code === 'VENDOR_TIMEOUT' || (error as Error).name === 'TimeoutError';
      metrics.vendorRequest(kind, (performance.now() - started) / 1000, timedOut ? 'timeout' : 'network');
      throw error;
    }
  };
}
