import type { Logger } from 'pino';
import type { CollectorConfig } from '../config/config.js';
import type { Store } from '../store/store.js';
import type { SyncEngine } from '../sync/engine.js';
import type { AgentChannel } from '../ws/channel.js';
import type { VerdictService } from './verdicts.js';

/** What routes and sessions need, built once at start-up (see server.ts). */
export interface Services {
  config: CollectorConfig;
  store: Store;
  log: Logger;
  masterKey: Buffer;
  engine: SyncEngine;
  verdicts: VerdictService;
  /** Set once the HTTP server exists. */
  channel: AgentChannel | null;
}
