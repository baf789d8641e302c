/**
 * Agents for `sessions.idle` across several collectors: a process of its own holding
 * authenticated sessions, because a process can have only as many sockets open as its
 * open-file limit allows, the bench's clients as much as a collector. It enrolls its own
 * device keys through the store (as `preEnroll` does for the single-collector figure), then
 * opens and authenticates one session per key against the collector it is given and holds
 * them until stopped.
 *
 * Calls: `enroll` {databaseUrl, dataDir, count}, `hold` {url, firstSource, concurrency} →
 * {authenticated, failures, rampS}, `held` → authenticated sessions still open.
 */
import { authenticateAll, type ChannelClient } from '../lib/channel-client.js';
import { preEnroll, type Enrolled } from '../lib/targets.js';
import { now } from '../lib/timing.js';
import { failed, ready, serve } from './child-kit.mjs';

let enrolled: Enrolled[] = [];
const sessions: ChannelClient[] = [];
const authenticated: ChannelClient[] = [];

try {
  serve(
    {
      enroll: async (args) => {
        enrolled = await preEnroll(
          { kind: 'postgres', databaseUrl: String(args.databaseUrl), dataDir: String(args.dataDir) },
          Number(args.count),
        );
        return { enrolled: enrolled.length };
      },
      hold: async (args) => {
        const start = now();
        // The i-th session of the whole run comes from the i-th loopback source: one source
        // address reaches one collector port through at most ~28,000 ephemeral ports.
        const failures = await authenticateAll(
          String(args.url),
          enrolled,
          { opened: sessions, authenticated },
          { concurrency: Number(args.concurrency), firstSource: Number(args.firstSource) },
        );
        return { authenticated: authenticated.filter((c) => !c.closed).length, failures, rampS: (now() - start) / 1000 };
      },
      held: () => authenticated.filter((c) => !c.closed).length,
    },
    async () => {
      for (const client of sessions) client.terminate();
    },
  );
  ready({});
} catch (error) {
  failed(error);
}
