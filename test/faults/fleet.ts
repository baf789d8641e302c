import { pino } from 'pino';
import { AgentLink } from '@devtrust/agent/link/agent-link';
import type { AgentState, StateFile } from '@devtrust/agent/link/state';
import type { KeyStore } from '@devtrust/agent/keys/key-store';
import type { Report } from '@devtrust/shared/protocol';
import { ENROLLMENT_KEY } from '../support/credentials.js';

/** Text each agent reports; a log line that contains it leaked a SQL value. */
export const SECRET_MARK = 'faultuser';

class MemoryKeyStore implements KeyStore {
  readonly kind = 'memory';
  private pem: string | null = null;
  async load(): Promise<string | null> {
    return this.pem;
  }
  async save(pem: string): Promise<void> {
    this.pem = pem;
  }
  async clear(): Promise<void> {
    this.pem = null;
  }
}

function memoryStateFile(): StateFile {
  let state: AgentState = { collectorUrl: null, endpointId: null, lastSeq: 0 };
  // StateFile is a class with private fields; the link only calls load and save.
  return {
    load: async () => ({ ...state }),
    save: async (next: AgentState) => {
      state = { ...next };
    },
  } as unknown as StateFile;
}

/**
 * One agent: the real AgentLink (its reconnect and backoff are under test) with its key
 * and state in memory, reporting on every connect as the agent core does and on demand.
 * Every ack is recorded, to be found again among the stored rows.
 */
export class FleetAgent {
  readonly link: AgentLink;
  readonly acked: { seq: number; at: number }[] = [];
  issued = 0;
  /** Sessions opened (first connection and every reconnect). */
  connects = 0;

  constructor(
    url: string,
    readonly index: number,
    private readonly bulk: number,
    backoff: { baseMs: number; capMs: number },
  ) {
    this.link = new AgentLink({
      collectorUrl: url,
      enrollmentKey: ENROLLMENT_KEY,
      keyStore: new MemoryKeyStore(),
      stateFile: memoryStateFile(),
      log: pino({ level: 'silent' }),
      backoff,
      queueLimit: 50,
    });
    this.link.on('acked', (seq: number) => this.acked.push({ seq, at: Date.now() }));
    this.link.on('status', (status: string) => {
      if (status === 'connected') this.connects++;
    });
  }

  report(): void {
    this.issued++;
    void this.link.report(this.body()).catch(() => undefined);
  }

  private body(): Report {
    return {
      agentVersion: 'fault-test',
      collectedAt: new Date().toISOString(),
      identity: { platform: 'linux', serialNumber: `FAULT${this.index}`, hostname: `fault-host-${this.index}` },
      user: `${SECRET_MARK}${this.index}`,
      // Bulk makes each report a few KB, so a filled disk is felt within seconds.
      ...(this.bulk > 0
        ? { probeErrors: Object.fromEntries(Array.from({ length: this.bulk }, (_, k) => [`probe${k}`, 'x'.repeat(200)])) }
        : {}),
    };
  }
}

/** A few dozen agents reporting on a period: the load a fault lands on. */
export class Fleet {
  readonly agents: FleetAgent[];
  private timer: NodeJS.Timeout | null = null;

  constructor(url: string, count: number, options: { bulk?: number; backoff?: { baseMs: number; capMs: number } } = {}) {
    this.agents = Array.from(
      { length: count },
      (_, i) => new FleetAgent(url, i, options.bulk ?? 0, options.backoff ?? { baseMs: 100, capMs: 1_000 }),
    );
  }

  async start(): Promise<void> {
    for (const agent of this.agents) await agent.link.start();
    await Promise.all(this.agents.map((a) => a.link.waitConnected(30_000)));
  }

  /** Every agent hands its link one report every `periodMs` (spread), `count` times, then stops. */
  reportEvery(periodMs: number, count: number): void {
    this.stopReporting();
    let tick = 0;
    const perTick = this.agents.length;
    this.timer = setInterval(() => {
      tick++;
      if (tick > count) return this.stopReporting();
      for (let k = 0; k < perTick; k++) this.agents[k]?.report();
    }, periodMs);
  }

  stopReporting(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  ackedSince(at: number): number {
    return this.agents.reduce((n, a) => n + a.acked.filter((x) => x.at >= at).length, 0);
  }

  /** Reports handed to the links and not acknowledged yet (queued or in flight). */
  outstanding(): number {
    return this.agents.reduce((n, a) => n + Math.max(0, a.issued - a.acked.length), 0);
  }

  /** (endpoint id, seq) of every acknowledged report since `at`. */
  ackedKeys(at = 0): string[] {
    return this.agents.flatMap((a) => a.acked.filter((x) => x.at >= at).map((x) => `${a.link.endpointId}:${x.seq}`));
  }

  async stop(): Promise<void> {
    this.stopReporting();
    await Promise.all(this.agents.map((a) => a.link.stop()));
  }
}
