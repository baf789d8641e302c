import type { ManagedSettingsReader } from './types.js';

// Replaced by the macOS managed-preferences reader (configuration profile payload).
export function macosManagedReader(): ManagedSettingsReader {
  return async () => ({ settings: {}, source: null, problem: 'macOS managed preferences are not read yet' });
}
