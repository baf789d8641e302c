// A real collector in its own process, so its RSS is measurable alone and it can be
// killed -9. Configured through the environment like `npm start` (DEVTRUST_*); answers
// `stats` (agent channel counts), `statements` (statements run, by kind), `profile-start` /
// `profile-stop` (a CPU profile of a window), `heap-sample-start` / `heap-sample-stop` (what a
// window allocates), `loop-delay-start` / `loop-delay-stop` (the event
// loop's delays over a window) and `ingest-kandji` (the generic sync engine fed
// by the Kandji client, for when the Kandji kind is not registered yet).
//
// Plain JavaScript, so that when the build is current it runs on plain Node like
// `devtrust-collector` (no tsx: its loader thread alone held about 45 MB), and starts the
// collector the way the shipped entry does.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { failed, ready, serve } from './child-kit.mjs';

/** perf_hooks' `NODE_PERFORMANCE_GC_*` kinds. */
const GC_KINDS = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-callbacks' };

try {
  // As devtrust-collector does: the collector's V8 settings before the collector is loaded.
  const { tuneHeap } = await import('@devtrust/collector/v8-tuning');
  tuneHeap();
  const [{ loadConfig }, { startCollector }, { statementsOf }] = await Promise.all([
    import('@devtrust/collector/config/config'),
    import('@devtrust/collector/server'),
    import('@devtrust/collector/store/dialect'),
  ]);
  const collector = await startCollector(loadConfig(process.env), { scheduler: false });
  const { services } = collector;
  // Statements that succeeded, by their first word (SELECT, INSERT, BEGIN, …): counts do not move with the machine's load.
  const statements = new Map();
  statementsOf(collector.store.knex.client).on('done', ({ sql }) => {
    const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
    statements.set(word, (statements.get(word) ?? 0) + 1);
  });
  // Of those, the ones knex's runner ran (the rest went straight to the driver: store/driver-statements.ts).
  collector.store.knex.on('query', () => statements.set('(through knex)', (statements.get('(through knex)') ?? 0) + 1));
  /** @type {Session | null} */
  let profiler = null;
  const poolTrace = tracePool(collector.store.knex.client);
  /** @type {import('node:perf_hooks').IntervalHistogram | null} */
  let loopDelay = null;
  /** @type {PerformanceObserver | null} */
  let gcObserver = null;
  /** @type {Map<string, { count: number, totalMs: number, maxMs: number }>} */
  let gcPauses = new Map();
  serve(
    {
      statements: () => Object.fromEntries(statements),
      // A CPU profile of a window only (bench/tools/profile-decision.ts), not of the whole life as --cpu-prof.
      'profile-start': async (args) => {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: Number(args.intervalUs ?? 500) });
        await profiler.post('Profiler.start');
        return null;
      },
      'profile-stop': async (args) => {
        if (!profiler) throw new Error('no profile started');
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        profiler = null;
        writeFileSync(args.file, JSON.stringify(profile));
        return null;
      },
      // What a window allocates, by stack (bench/tools/profile-reports.ts): V8's sampling heap
      // profiler, keeping samples of objects either collection freed (`young: false`: only of
      // those that outlived the young generation, what full collections have to clear).
      'heap-sample-start': async (args) => {
        profiler = new Session();
        profiler.connect();
        await profiler.post('HeapProfiler.enable');
        await profiler.post('HeapProfiler.startSampling', {
          samplingInterval: Number(args.intervalBytes ?? 8192),
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: args.young !== false,
        });
        return null;
      },
      'heap-sample-stop': async (args) => {
        if (!profiler) throw new Error('no heap sampling started');
        const { profile } = await profiler.post('HeapProfiler.stopSampling');
        profiler.disconnect();
        profiler = null;
        writeFileSync(args.file, JSON.stringify(profile));
        return null;
      },
      // The event loop's delays over a window (bench/tools/decision-sync.ts), in ms.
      'loop-delay-start': () => {
        loopDelay = monitorEventLoopDelay({ resolution: 1 });
        loopDelay.enable();
        return null;
      },
      // Garbage collections over a window, by kind: count, total and longest pause (ms).
      'gc-start': () => {
        gcPauses = new Map();
        gcObserver?.disconnect();
        gcObserver = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            const kind = GC_KINDS[entry.detail?.kind] ?? String(entry.detail?.kind);
            const seen = gcPauses.get(kind) ?? { count: 0, totalMs: 0, maxMs: 0 };
            gcPauses.set(kind, {
              count: seen.count + 1,
              totalMs: seen.totalMs + entry.duration,
              maxMs: Math.max(seen.maxMs, entry.duration),
            });
          }
        });
        gcObserver.observe({ entryTypes: ['gc'] });
        return null;
      },
      'gc-stop': () => {
        gcObserver?.disconnect();
        gcObserver = null;
        const round = (ms) => Math.round(ms * 100) / 100;
        return Object.fromEntries(
          [...gcPauses].map(([kind, g]) => [kind, { count: g.count, totalMs: round(g.totalMs), maxMs: round(g.maxMs) }]),
        );
      },
      'loop-delay-stop': () => {
        if (!loopDelay) throw new Error('no loop-delay window started');
        loopDelay.disable();
        const ms = (ns) => Math.round(ns / 1e4) / 100;
        const out = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
        loopDelay = null;
        return out;
      },
      // How long connections were waited for and held over a window, by the first statement run
      // on them (bench/tools/decision-sync.ts): where a decision queues behind a sync on SQLite.
      'pool-trace-start': () => {
        poolTrace.start();
        return null;
      },
      'pool-trace-stop': () => poolTrace.stop(),
      stats: () => ({ connections: collector.channel.connections, authenticated: collector.channel.connectedEndpoints }),
      // Inventory loading when the CSV upload route cannot take it (see decision.ts).
      'ingest-csv': async (args) => {
        const { parseCsvInventory } = await import('@devtrust/collector/sync/csv/parse');
        const pageSize = Number(args.pageSize);
        async function* rechunked() {
          for await (const page of parseCsvInventory(args.csv)) {
            for (let i = 0; i < page.length; i += pageSize) yield page.slice(i, i + pageSize);
          }
        }
        const run = await services.engine.ingest(args.integrationId, rechunked());
        return { status: run.status, devices: run.devices, error: run.error ?? null };
      },
      'ingest-kandji': async (args) => {
        const [{ KandjiClient }, { mapKandjiDevice }, { mappedPages }] = await Promise.all([
          import('@devtrust/collector/sync/kandji/client'),
          import('@devtrust/collector/sync/kandji/map'),
          import('@devtrust/collector/sync/kit/pages'),
        ]);
        const client = new KandjiClient({ baseUrl: args.baseUrl, apiToken: args.apiToken }, {});
        const signal = new AbortController().signal;
        const pages = mappedPages(client.pages({ signal, log: services.log }), mapKandjiDevice);
        const started = Date.now();
        const run = await services.engine.ingest(args.integrationId, pages);
        return { status: run.status, devices: run.devices, error: run.error ?? null, ms: Date.now() - started };
      },
    },
    () => collector.close(),
  );
  ready({ url: collector.url, port: collector.port });
} catch (error) {
  failed(error);
}

/**
 * Wraps a knex client's connection hand-out: the wait for a connection and how long it was
 * held, each labelled by the first words of the first statement run on it (`driver` when
 * the statement went past knex's runner).
 */
function tracePool(client) {
  /** @type {Map<string, {waits: number[], holds: number[]}> | null} */
  let byLabel = null;
  const acquire = client.acquireConnection.bind(client);
  const release = client.releaseConnection.bind(client);
  const query = client._query.bind(client);
  client.acquireConnection = async () => {
    const asked = performance.now();
    const connection = await acquire();
    connection.__benchTrace = { asked, got: performance.now(), label: null };
    return connection;
  };
  client._query = (connection, obj) => {
    const trace = connection.__benchTrace;
    if (trace && trace.label === null)
      trace.label = String(obj.sql ?? '')
        .trim()
        .split(/\s+/)
        .slice(0, 3)
        .join(' ')
        .slice(0, 40);
    return query(connection, obj);
  };
  client.releaseConnection = (connection) => {
    const trace = connection.__benchTrace;
    if (trace && byLabel) {
      const label = trace.label ?? 'driver';
      const entry = byLabel.get(label) ?? { waits: [], holds: [] };
      entry.waits.push(trace.got - trace.asked);
      entry.holds.push(performance.now() - trace.got);
      byLabel.set(label, entry);
    }
    delete connection.__benchTrace;
    return release(connection);
  };
  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN) * 10) / 10;
  };
  return {
    start: () => void (byLabel = new Map()),
    stop: () => {
      const out = Object.fromEntries(
        [...(byLabel ?? [])].map(([label, { waits, holds }]) => [
          label,
          { n: waits.length, waitP50: pct(waits, 50), waitP99: pct(waits, 99), holdP50: pct(holds, 50), holdP99: pct(holds, 99) },
        ]),
      );
      byLabel = null;
      return out;
    },
  };
}
