import { ChannelClient } from '../lib/channel-client.js';
import { identityOf, reportOf } from '../lib/devices.js';
import { figure, notRun, scaled, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import { freshDatabase, preEnroll, startCollectorChild, type Enrolled } from '../lib/targets.js';
import { now, round, runPool, sleep, within } from '../lib/timing.js';

const FULL_AGENTS = 500;
/** Each agent sends a report about once per this period (a busy fleet: ~100 reports/s at full scale). */
const REPORT_PERIOD_MS = 5_000;
/** RSS samples every 10 s (1 s at small scale, where the soak lasts 3 s). */
const sampleEveryMs = (ctx: BenchContext): number => (ctx.scale === 'small' ? 1_000 : 10_000);
/** The first part of the run is warm-up (caches, pools, JIT), left out of the growth fit. */
const WARM_UP_SHARE = 0.2;
const HISTORY = 20;

/** Least-squares slope of (minute, MB) samples. */
function slope(samples: { min: number; mb: number }[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.min, 0) / n;
  const my = samples.reduce((s, p) => s + p.mb, 0) / n;
  const num = samples.reduce((s, p) => s + (p.min - mx) * (p.mb - my), 0);
  const den = samples.reduce((s, p) => s + (p.min - mx) ** 2, 0);
  return den === 0 ? null : num / den;
}

interface AgentRun {
  agent: Enrolled;
  index: number;
  acked: number[];
  errors: number;
}

/**
 * A steady fleet for the whole duration: each agent reconnects when its session drops and
 * reports on a jittered period; the collector child's RSS is sampled after a GC. Then every
 * acknowledged report still within the endpoint's history must be a stored row.
 */
async function soakOn(ctx: BenchContext, kind: 'sqlite' | 'postgres', agents: number, durationMs: number): Promise<Figure[]> {
  const db = await freshDatabase(ctx, kind, `soak-${kind}`);
  const enrolled = await preEnroll(db, agents);
  const server = await startCollectorChild(ctx, db);
  const runs: AgentRun[] = enrolled.map((agent, index) => ({ agent, index, acked: [], errors: 0 }));
  const reasons = new Map<string, number>();
  const started = now();
  const end = started + durationMs;
  const samples: { min: number; mb: number }[] = [];
  const sampling = (async () => {
    while (now() < end) {
      await server.call('gc').catch(() => undefined);
      const memory = server.memory();
      if (memory) samples.push({ min: (now() - started) / 60_000, mb: memory.rssKb / 1024 });
      await sleep(Math.min(sampleEveryMs(ctx), Math.max(0, end - now())));
    }
  })();
  // Every pause ends at the end of the run at the latest: an agent whose next report would
  // fall after it sends nothing more, so sleeping on past it (up to 1.5 periods: 7.5 s, longer
  // than a small run) only made the bench wait.
  const pause = (ms: number): Promise<unknown> => sleep(within(ms, end));
  await runPool(runs, runs.length, async (run) => {
    await pause(Math.random() * REPORT_PERIOD_MS);
    let client: ChannelClient | null = null;
    while (now() < end) {
      try {
        if (!client || client.closed) {
          client = await ChannelClient.connect(server.ready.url, run.agent.keys);
          await client.auth(run.agent.endpointId);
        }
        const seq = client.seq + 1;
        await client.report(reportOf(run.index, identityOf(run.index)));
        run.acked.push(seq);
      } catch (error) {
        run.errors++;
        const reason = (error as Error).message.slice(0, 80);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        client?.terminate();
        client = null;
      }
      await pause(REPORT_PERIOD_MS * (0.5 + Math.random()));
    }
    client?.terminate();
  });
  await sampling;
  const acked = runs.reduce((n, r) => n + r.acked.length, 0);
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  // The audit: each endpoint's last (up to) 20 acknowledged reports must be stored rows.
  const knex = db.knex();
  let lost = 0;
  for (let i = 0; i < runs.length; i += 200) {
    const chunk = runs.slice(i, i + 200);
    const rows = (await knex('report_history')
      .whereIn(
        'endpoint_id',
        chunk.map((r) => r.agent.endpointId),
      )
      .select('endpoint_id', 'seq')) as { endpoint_id: string; seq: number | string }[];
    const stored = new Set(rows.map((r) => `${r.endpoint_id}:${Number(r.seq)}`));
    for (const run of chunk) for (const seq of run.acked.slice(-HISTORY)) if (!stored.has(`${run.agent.endpointId}:${seq}`)) lost++;
  }
  await server.stop();
  const fit = samples.filter((s) => s.min >= (durationMs / 60_000) * WARM_UP_SHARE);
  const growth = slope(fit);
  const first = fit[0]?.mb ?? null;
  const last = fit.at(-1)?.mb ?? null;
  ctx.log(
    `${kind}: ${acked} reports acked over ${round(durationMs / 60_000, 1)} min from ${agents} agents, ${lost} lost, ${errors} errors; RSS ${round(first, 1)} → ${round(last, 1)} MB`,
  );
  const detail = {
    agents,
    minutes: round(durationMs / 60_000, 2),
    acked,
    errors,
    samples: samples.length,
    rssFirstMb: round(first, 1),
    rssLastMb: round(last, 1),
    rssPeakMb: round(Math.max(...samples.map((s) => s.mb)), 1),
    errorReasons: [...reasons].map(([r, n]) => `${n}× ${r}`).join('; ') || null,
  };
  return [
    figure('soak.rss_growth_mb_per_min', kind, round(growth, 3), 'MB/min', null, {
      detail,
      ...(growth === null
        ? { note: 'too few RSS samples for a slope (run longer: --soak-minutes)' }
        : durationMs < 60_000
          ? // A few seconds show warm-up (code compiled, pools filled), not a trend: not comparable with a 5-minute run.
            { note: `over ${round(durationMs / 1000, 0)} s only: warm-up, not a trend (a full run soaks 5 min; --soak-minutes)` }
          : {}),
    }),
    figure('soak.reports_lost', kind, lost, 'reports', null, { detail }),
  ];
}

export const soakGroup: FigureGroup = {
  id: 'soak',
  names: ['soak.rss_growth_mb_per_min', 'soak.reports_lost'],
  // The default duration (5 min, or 3 s at small scale) plus set-up and audit; see soakTimeoutMs.
  timeoutMs: 20 * 60_000,
  async run(ctx) {
    const kind = ctx.databases[0];
    if (!kind) return this.names.map((name) => notRun(name, 'postgres', '', ctx.postgresUnavailable ?? 'no database to run on'));
    const minutes = ctx.soakMinutes ?? (ctx.scale === 'small' ? 0.05 : 5);
    return soakOn(ctx, kind, scaled(ctx, FULL_AGENTS, 20), minutes * 60_000);
  },
};

/** The group's bound for a chosen duration: the run plus 10 minutes for enrolment and the audit. */
export function soakTimeoutMs(minutes: number): number {
  return (minutes + 10) * 60_000;
}
