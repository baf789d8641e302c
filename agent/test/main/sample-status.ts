import type { AgentStatus } from '@devtrust/agent/core/agent';

/** A realistic agent status: a Windows laptop, connected, with two EDR agents. */
export function sampleStatus(overrides: Partial<AgentStatus> = {}): AgentStatus {
  return {
    link: 'connected',
    endpointId: 'ep_01JD4Z8Q7T0M3V',
    collectorUrl: 'https://trust.example.com',
    lastError: null,
    loopbackPort: 53100,
    lastReport: {
      at: '2025-11-23T09:41:00.000Z',
      report: {
        agentVersion: '0.1.0',
        collectedAt: '2025-11-23T09:41:00.000Z',
        identity: {
          platform: 'windows',
          hostname: 'LAPTOP-ALICE',
          osVersion: '10.0.22631',
          hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32',
          serialNumber: 'PF2ABCDE',
          machineGuid: '6f1a2b3c-0000-4d5e-8f90-abcdef012345',
          macAddresses: ['3C:22:FB:12:34:56', '3C:22:FB:12:34:57'],
          edr: [
            { vendor: 'cisco-secure-endpoint', installed: true, running: true, connectorId: '0f7c2a51-9e3b-4c1d-8a6f-2b7e9d4c3a10' },
            { vendor: 'defender', installed: true, running: false },
          ],
        },
        posture: { diskEncryption: true, firewall: true, screenLock: true, osBuild: '22631.4460' },
      },
    },
    lastVerdict: {
      transactionId: 'tx_9QmY2',
      verdict: 'trusted',
      access: 'allow',
      reasons: ['hardware UUID 4C4C4544004235108052B4C04F4E4D32 matches record "LAPTOP-ALICE" of integration "Corporate inventory" (csv)'],
      at: '2025-11-23T09:41:05.000Z',
    },
    ...overrides,
  };
}
