import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { DeviceIdentity, Posture } from '@devtrust/shared/identity';
import { Agent } from '@devtrust/agent/core/agent';
import type { AgentConfig } from '@devtrust/agent/config/config';
import { ENROLLMENT_KEY } from '../../../test/support/credentials.js';

export interface PostureAgent {
  agent: Agent;
  endpointId: string;
  /** What the agent reports from its next report on; `report()` sends one now. */
  set(identity: DeviceIdentity, posture?: Posture): void;
  report(): Promise<void>;
  attest(transactionId: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real headless agent core (as test/support/agent.ts starts it) over the real
 * WebSocket protocol, enrolled with the test enrollment key, reporting a given identity
 * and health posture (the shared helper reports none).
 */
export async function startPostureAgent(collectorUrl: string, identity: DeviceIdentity, posture: Posture = {}): Promise<PostureAgent> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-edr-agent-'));
  const config: AgentConfig = {
    collectorUrl,
    enrollmentKey: ENROLLMENT_KEY,
    dataDir,
    loopbackPort: 0,
    identityFile: null,
    once: false,
    logLevel: 'silent',
    managedKeys: [],
    managed: {},
  };
  let current = { identity, posture };
  const agent = new Agent(config, {
    log: pino({ level: process.env.DEVTRUST_TEST_LOG_LEVEL ?? 'silent' }),
    collect: async () => ({ identity: current.identity, posture: current.posture, probeErrors: {} }),
    loopback: false,
  });
  await agent.start();
  await agent.link.waitConnected(10_000);
  return {
    agent,
    endpointId: agent.status().endpointId as string,
    set: (nextIdentity, nextPosture = {}) => {
      current = { identity: nextIdentity, posture: nextPosture };
    },
    report: () => agent.reportNow().then(() => undefined),
    attest: (tx) => agent.attest(tx).then(() => undefined),
    stop: async () => {
      await agent.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
