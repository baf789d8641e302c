import type { DeviceIdentity, Posture } from '@devtrust/shared/identity';

/** A probe's answer: a value, or the reason there is none. Probes never throw. */
export type ProbeResult<T> = { ok: true; value: T } | { ok: false, reason: string };

export const found = <T>(value: T): ProbeResult<T> => ({ ok: true, value });
export const missing = <T = never>(reason: string): ProbeResult<T> => ({ ok: false, reason });

/** What one collection pass yields; `probeErrors` says why a field is absent. */
export interface Collected {
  identity: DeviceIdentity;
  posture: Posture;
  probeErrors: Record<string, string>;
}
