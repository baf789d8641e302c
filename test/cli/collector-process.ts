import { BINS } from '../support/bin.js';
import { OWNER_TOKEN } from '../support/credentials.js';
import { freePort, spawnProcess, type Spawned } from './spawned.js';

/** The environment a shipped collector runs with in these tests: its own data dir and port, logging at info. */
export const collectorEnv = (dataDir: string, port: number): Record<string, string> => ({
  DEVTRUST_DATA_DIR: dataDir,
  DEVTRUST_HOST: '127.0.0.1',
  DEVTRUST_PORT: String(port),
  DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
  DEVTRUST_LOG_LEVEL: 'info',
});

/** Starts the shipped collector on `dataDir` in its own process, as a service manager runs it; `running` collects it for the test's clean-up. */
export async function startCollectorProcess(dataDir: string, running: Spawned[]): Promise<Spawned & { port: number }> {
  const port = await freePort();
  const child = spawnProcess(process.execPath, [BINS['devtrust-collector']], { env: collectorEnv(dataDir, port) });
  running.push(child);
  await child.waitForOutput(/^DevTrust collector listening on /m, 'the listening line');
  return Object.assign(child, { port });
}

/** The collector's pino lines (JSON on stdout, or what a test logger collected). */
export function logEntries(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as unknown;
      return typeof entry === 'object' && entry !== null ? [entry as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** The first log entry whose message matches. */
export const logged = (text: string, pattern: RegExp): Record<string, unknown> | undefined =>
  logEntries(text).find((e) => pattern.test(String(e.msg)));
