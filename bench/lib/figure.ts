/**
 * What a benchmark produces: one figure per name and database, with the same work done by
 * the bare layer underneath (`limit`) measured in the same run, so a noisy machine moves
 * both and the ratio stays readable.
 */
/** `postgres-N`: N collector processes sharing one PostgreSQL database (multi-node figures). */
export type Db = 'sqlite' | 'postgres' | `postgres-${number}` | '-';
export type Scale = 'full' | 'small';

export const FIGURE_NAMES = [
  'sessions.idle',
  'sessions.rss_kb_per_session',
  'reports.per_s',
  'decision.p50_ms',
  'decision.p99_ms',
  'decision.p99_during_sync_ms',
  'sync.devices_per_s',
  'sync.peak_rss_mb',
  'sync.serving_max_ms',
  'sync.csv_upload_peak_rss_mb',
  'storm.recovery_s',
  'storm.reports_lost',
  'agent.collect_ms',
  'agent.idle_rss_mb',
  'prompt.redirect_ms',
  'soak.rss_growth_mb_per_min',
  'soak.reports_lost',
  'admin.page_ms',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export type Detail = Record<string, number | string | boolean | null>;

export interface Figure {
  name: FigureName;
  db: Db;
  value: number | null;
  unit: string;
  limit: number | null;
  ratio: number | null;
  /** Why there is no value, or what to know when reading it (scaled down, partial). */
  note?: string;
  /** Secondary measurements that explain the value (ramp time, failures, samples). */
  detail?: Detail;
  /** What the figure should reach (lib/targets-issue.ts), and whether it did (null: no value). */
  target?: string | null;
  met?: boolean | null;
}

/** value / limit when both are positive numbers; null otherwise. */
export function ratioOf(value: number | null, limit: number | null): number | null {
  if (value === null || limit === null || !Number.isFinite(value) || !Number.isFinite(limit) || limit <= 0) return null;
  return value / limit;
}

export function figure(
  name: FigureName,
  db: Db,
  value: number | null,
  unit: string,
  limit: number | null,
  extra: { note?: string; detail?: Detail; ratio?: boolean } = {},
): Figure {
  return {
    name,
    db,
    value,
    unit,
    limit,
    ratio: extra.ratio === false ? null : ratioOf(value, limit),
    ...(extra.note ? { note: extra.note } : {}),
    ...(extra.detail ? { detail: extra.detail } : {}),
  };
}

/** A figure that could not run, saying why instead of a value. */
export function notRun(name: FigureName, db: Db, unit: string, note: string): Figure {
  return { name, db, value: null, unit, limit: null, ratio: null, note };
}

/** Everything a figure group needs from the runner. */
export interface BenchContext {
  scale: Scale;
  /** 1 at full scale, 0.1 at small: multiply loads by it (see `scaled`). */
  factor: number;
  /** Databases to run DB-bound figures on (postgres only when reachable). */
  databases: ('sqlite' | 'postgres')[];
  /** Why postgres is absent from `databases`, or null. */
  postgresUnavailable: string | null;
  /** `--soak-minutes`: how long the soak runs (null: 5 min, 30 s at small scale). */
  soakMinutes: number | null;
  /** Whether the user asked for this figure (--only). */
  wants(name: FigureName): boolean;
  /** Progress line on stderr. */
  log(message: string): void;
  /** Registers cleanup that runs when the group ends, whatever happened (LIFO). */
  defer(cleanup: () => unknown): void;
}

/**
 * The load for this run where a tenth of the full load would keep `--scale small` from
 * finishing in about two minutes (the full loads of issue 11 are large): `small` explicitly.
 */
export function sized(ctx: BenchContext, full: number, small: number): number {
  return ctx.scale === 'small' ? small : full;
}

/** `full` scaled by the run's factor, never below `min`. */
export function scaled(ctx: BenchContext, full: number, min = 1): number {
  return Math.max(min, Math.round(full * ctx.factor));
}

export interface FigureGroup {
  /** The group, as `--only` may name it (a prefix of its figure names). */
  id: string;
  names: readonly FigureName[];
  /** Wall-clock bound for the whole group at full scale; the runner stops waiting past it. */
  timeoutMs: number;
  run(ctx: BenchContext): Promise<Figure[]>;
}
