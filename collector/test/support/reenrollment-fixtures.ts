import type { Report } from '@devtrust/shared/protocol';
import type { AdminActor } from '@devtrust/collector/domain/admin-log';

/** The API key a test's bulk releases are made under. */
export const actorNamed = (name: string): AdminActor => ({
  kind: 'api-key',
  keyId: `key_${name}`,
  keyName: name,
  address: '127.0.0.1',
  userAgent: null,
});

/**
 * Device n's report as a Mac: serial `${serialPrefix}n` and a hardware UUID ending in
 * `${uuidStem}` and n (each test file its own, so two files' devices never meet).
 */
export const macReport = (serialPrefix: string, uuidStem: string, n: number): Report =>
  ({
    identity: {
      platform: 'macos',
      hostname: `mac-${n}`,
      serialNumber: `${serialPrefix}${n}`,
      hardwareUuid: `4C4C4544-0042-3510-8052-${uuidStem}${String(n).padStart(4, '0')}`,
    },
    posture: {},
    agentVersion: 'test',
  }) as unknown as Report;

/** Waits until the clock has moved past now, so what follows is strictly later. */
export async function tick(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 2));
}
