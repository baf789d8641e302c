import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { Agent } from '@devtrust/agent/core/agent';
import type { AgentConfig } from '@devtrust/agent/config/config';
import type { DeviceKeyStores } from '@devtrust/agent/keys/select-device-key';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';
import { ENROLLMENT_KEY } from './credentials.js';

export interface TestAgent {
  agent: Agent;
  dataDir: string;
  /** What the agent reports from now on. */
  setIdentity(next: DeviceIdentity): void;
  stop(): Promise<void>;
}

/**
 * A real headless agent core in this process, reporting the given identity (as
 * `--identity FILE` would) over a real WebSocket session to the collector.
 */
export async function startTestAgent(
  collectorUrl: string,
  identity: DeviceIdentity,
  options: {
    enrollmentKey?: string | null;
    dataDir?: string;
    loopback?: boolean;
    loopbackPort?: number;
    /** Device key stores to choose from (default: a software key in the data dir). */
    deviceKeys?: (dataDir: string) => DeviceKeyStores;
    /** What the platform's managed-settings reader found (MDM-pushed settings). */
    managed?: ManagedSettings;
  } = {},
): Promise<TestAgent> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'devtrust-agent-'));
  const config: AgentConfig = {
    collectorUrl,
    enrollmentKey: options.enrollmentKey === undefined ? ENROLLMENT_KEY : options.enrollmentKey,
    dataDir,
    loopbackPort: options.loopbackPort ?? 0,
    identityFile: null,
    once: false,
    logLevel: 'silent',
    managedKeys: Object.keys(options.managed ?? {}),
    managed: options.managed ?? {},
  };
  let current = identity;
  const agent = new Agent(config, {
    log: pino({ level: process.env.DEVTRUST_TEST_LOG_LEVEL ?? 'silent' }),
    collect: async () => ({ identity: current, posture: {}, probeErrors: {} }),
    loopback: options.loopback ?? false,
    ...(options.deviceKeys ? { deviceKeys: options.deviceKeys(dataDir) } : {}),
  });
  await agent.start();
  await agent.link.waitConnected(10_000);
  // The first report goes out on connect; wait until the collector acknowledged it.
  while (agent.status().lastReport === null) await new Promise((resolve) => agent.once('status', resolve));
  return {
    agent,
    dataDir,
    setIdentity: (next) => {
      current = next;
    },
    stop: async () => {
      await agent.stop();
      // Retried: a write the agent started before it stopped can land while the directory is removed
      // (ENOTEMPTY; seen again after a forget, when the agent enrols anew as it stops). A temporary
      // directory left behind is no test's subject: said, not failed on.
      if (!options.dataDir) {
        try {
          rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
        } catch (error) {
          process.stderr.write(`test agent: could not remove ${dataDir}: ${String(error)}\n`);
        }
      }
    },
  };
}
