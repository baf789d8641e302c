/**
 * The bench's open-file limit, raised before anything heavy is loaded: bench/run.ts asks
 * `rerunCommand` first and, when the limit is too low, runs itself again under `ulimit -n`
 * and exits with that run's status. Only node builtins and the collector's /proc reader are
 * imported here, so the first process loads no figure module (test/bench/entry.test.ts).
 */
import { openFileLimit } from '@devtrust/collector/limits/open-files';

/**
 * Open files the bench and its collector children need: 50,000 sessions are 50,000 sockets on
 * each side, plus the storm's agents.
 */
export const WANTED_OPEN_FILES = 120_000;

/** Set in the run started under the raised limit, so it never starts another. */
export const RAISED_ENV = 'DEVTRUST_BENCH_FILE_LIMIT_RAISED';

/**
 * The command that runs this process again under `ulimit -n WANTED_OPEN_FILES` (as far as the
 * hard limit allows; root may raise that too), or null when the limit is high enough already
 * or this is that run.
 */
export function rerunCommand(
  env: NodeJS.ProcessEnv,
  argv: { execPath: string; execArgv: string[]; argv: string[] },
  limit: number | null = openFileLimit(),
): { command: string; args: string[] } | null {
  if (env[RAISED_ENV] || (limit !== null && limit >= WANTED_OPEN_FILES)) return null;
  const script = `ulimit -n ${WANTED_OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;
  return { command: '/bin/sh', args: ['-c', script, 'sh', argv.execPath, ...argv.execArgv, ...argv.argv.slice(1)] };
}
