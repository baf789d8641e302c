import type { ManagedSettingsReader } from './types.js';

// Replaced by the HKLM\SOFTWARE\Policies\DevTrust\Agent reader.
export function windowsManagedReader(): ManagedSettingsReader {
  return async () => ({ settings: {}, source: null, problem: 'Windows policy settings are not read yet' });
}
