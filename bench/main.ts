/**
 * The bench proper, imported by bench/run.ts once the open-file limit is raised: runs the
 * figure groups in bench/figures/, prints a table and, with `--json FILE`, writes the figures
 * as JSON. See bench/README.md for what each measures.
 */
import { adminGroup } from './figures/admin.js';
import { agentGroup } from './figures/agent.js';
import { csvUploadGroup } from './figures/csv-upload.js';
import { decisionGroup } from './figures/decision.js';
import { promptGroup } from './figures/prompt.js';
import { reportsGroup } from './figures/reports.js';
import { sessionsGroup } from './figures/sessions.js';
import { soakGroup, soakTimeoutMs } from './figures/soak.js';
import { stormGroup } from './figures/storm.js';
import { syncGroup } from './figures/sync.js';
import { ArgsError, parseArgs, USAGE, type BenchArgs } from './lib/args.js';
import { notRun, type BenchContext, type Figure, type FigureGroup, type FigureName } from './lib/figure.js';
import { machine, machineLine, ordered, table, writeJson } from './lib/output.js';
import { PgCluster } from '../test/support/pg-cluster.js';
import { openFileLimit, profileChildren } from './lib/proc.js';
import { collectorBuild, dropMigratedTemplate, postgresUnavailable } from './lib/targets.js';
import { atRunEnd, atRunStart, describeYardstick } from './lib/yardstick.js';

/** Run order: cheap and independent first, the long sync last. */
const GROUPS: FigureGroup[] = [
  agentGroup,
  decisionGroup,
  reportsGroup,
  sessionsGroup,
  stormGroup,
  promptGroup,
  adminGroup,
  syncGroup,
  csvUploadGroup,
  soakGroup,
];

/** Figures that start no collector child (the prompt's collectors run in this process). */
const WITHOUT_COLLECTOR_CHILD: readonly FigureName[] = ['agent.collect_ms', 'prompt.redirect_ms'];

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function runGroup(group: FigureGroup, args: BenchArgs, base: Omit<BenchContext, 'defer' | 'log'>): Promise<Figure[]> {
  const cleanups: (() => unknown)[] = [];
  const ctx: BenchContext = { ...base, log: (m) => log(`${group.id}: ${m}`), defer: (c) => cleanups.push(c) };
  const timeoutMs =
    group === soakGroup && args.soakMinutes !== null
      ? soakTimeoutMs(args.soakMinutes)
      : Math.round(group.timeoutMs * (args.scale === 'small' ? 0.5 : 1));
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  let figures: Figure[];
  try {
    figures = await Promise.race([
      group.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    log(`${group.id}: FAILED: ${message}`);
    if (process.env.DEVTRUST_BENCH_DEBUG) console.error(error);
    figures = group.names.map((name) => notRun(name, '-', '', `failed: ${(message.split('\n')[0] ?? '').slice(0, 500)}`));
  } finally {
    clearTimeout(timer);
    for (const cleanup of cleanups.reverse()) {
      await Promise.race([Promise.resolve().then(cleanup), new Promise((r) => setTimeout(r, 15_000).unref())]).catch((error: unknown) =>
        log(`${group.id}: cleanup failed: ${(error as Error).message}`),
      );
    }
  }
  log(`${group.id}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const wanted = figures.filter((f) => args.only.has(f.name));
  for (const name of group.names) {
    if (args.only.has(name) && !wanted.some((f) => f.name === name))
      wanted.push(notRun(name, '-', '', 'the group produced no value for it'));
  }
  return wanted;
}

/** What the run itself set up (a PostgreSQL cluster), undone once the figures are in. */
const cleanups: (() => void)[] = [];

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ArgsError) {
      process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.profileDir) profileChildren(args.profileDir);
  const startedAt = new Date();
  // How fast a core is right now, before anything of the run loads the machine (lib/yardstick.ts).
  const start = atRunStart();
  log(`yardstick at start: ${describeYardstick(start.yardstick)}; load average ${start.loadAverage}`);
  const groups = GROUPS.filter((g) => g.names.some((n) => args.only.has(n)));
  if ([...args.only].some((name) => !WITHOUT_COLLECTOR_CHILD.includes(name)))
    log(
      collectorBuild.stale === null
        ? 'collector children run the compiled build (collector/dist), as npm start does'
        : `collector children run the TypeScript sources: ${collectorBuild.stale} (npx tsc -b to measure the build)`,
    );
  const needsDb = groups.some((g) => ['sessions', 'reports', 'decision', 'sync', 'prompt', 'soak', 'admin'].includes(g.id));
  let pgWhy: string | null = null;
  if (needsDb && args.db !== 'sqlite') {
    if (!process.env.DEVTRUST_TEST_DATABASE_URL) {
      // No server named: the bench starts its own PostgreSQL in a temporary directory.
      try {
        // Durable as a production server is (fsync on); room for two collectors' pools and the bench's own connections.
        const cluster = await PgCluster.create({
          role: 'devtrust',
          database: 'postgres',
          settings: ['max_connections=300', 'shared_buffers=256MB'],
          prefix: 'devtrust-bench-pg-',
        });
        // However the bench ends, the cluster does not outlive it.
        process.once('exit', () => cluster.close());
        cleanups.push(() => cluster.close());
        process.env.DEVTRUST_TEST_DATABASE_URL = cluster.url;
        log(`started PostgreSQL ${cluster.version} for this run at ${cluster.url}`);
      } catch (error) {
        pgWhy = `PostgreSQL not available: DEVTRUST_TEST_DATABASE_URL is not set and ${(error as Error).message}`;
      }
    }
    pgWhy ??= await postgresUnavailable();
  }
  const databases: ('sqlite' | 'postgres')[] = args.db === 'postgres' ? [] : ['sqlite'];
  if (needsDb && pgWhy === null && args.db !== 'sqlite') databases.push('postgres');
  if (pgWhy) log(pgWhy);
  log(`scale ${args.scale}; groups: ${groups.map((g) => g.id).join(', ')}; databases: ${databases.join(', ') || 'none'}`);

  const figures: Figure[] = [];
  for (const group of groups) {
    log(`${group.id}: starting`);
    figures.push(
      ...(await runGroup(group, args, {
        scale: args.scale,
        factor: args.scale === 'small' ? 0.1 : 1,
        databases,
        postgresUnavailable: pgWhy,
        soakMinutes: args.soakMinutes,
        wants: (name) => args.only.has(name),
      })),
    );
  }
  await dropMigratedTemplate().catch((error: unknown) =>
    log(`dropping the migrated template database failed: ${(error as Error).message}`),
  );
  for (const cleanup of cleanups) cleanup();
  // Again once every child has stopped: a core that slowed during the run shows here.
  const machineState = machine(atRunEnd(start));
  const result = ordered(figures, args.scale);
  process.stdout.write(`\n${machineLine(machineState)}\n\n${table(result)}\n`);
  const durationS = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
  if (args.json) {
    writeJson(args.json, result, { machine: machineState, scale: args.scale, startedAt: startedAt.toISOString(), durationS });
    log(`wrote ${args.json}`);
  }
  log(`finished in ${durationS} s`);
  // A group that threw gave no figures: the run is not a measurement of them (exit 1, after
  // the table and the JSON, so what did run is kept).
  const failed = [...new Set(result.filter((f) => f.note?.startsWith('failed:')).map((f) => f.name))];
  if (failed.length > 0) {
    log(`failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

log(`open files: ulimit -n ${openFileLimit()}`);
process.exitCode = await main();
// Everything is stopped by now; if some handle still holds the loop, say so rather than hang.
setTimeout(() => {
  log(`handles still open after the run (${process.getActiveResourcesInfo().join(', ')}); exiting anyway`);
  process.exit();
}, 5_000).unref();
