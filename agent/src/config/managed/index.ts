import { readFile } from 'node:fs/promises';
import type { ManagedSettings, ManagedSettingsReader } from './types.js';

const MANAGED_KEYS = ['collectorUrl', 'enrollmentKey', 'disallowQuit', 'supportUrl'] as const;

/** Keeps only known keys of the right type; managed sources are admin-written but still input. */
export function sanitizeManaged(raw: Record<string, unknown>): ManagedSettings {
  const out: ManagedSettings = {};
  for (const key of MANAGED_KEYS) {
    const value = raw[key];
    if (key === 'disallowQuit') {
      if (typeof value === 'boolean') out.disallowQuit = value;
      else if (value === 1 || value === '1' || value === 'true') out.disallowQuit = true;
    } else if (typeof value === 'string' && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

/** Linux (and tests): a JSON file an administrator owns. */
export function jsonFileReader(file: string): ManagedSettingsReader {
  return async () => {
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      return { settings: sanitizeManaged(raw), source: file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: {}, source: null };
      return { settings: {}, source: file, problem: `${file}: ${(error as Error).message}` };
    }
  };
}

/** The managed-settings reader for this OS. */
export async function platformManagedReader(platform: NodeJS.Platform = process.platform): Promise<ManagedSettingsReader> {
  switch (platform) {
    case 'darwin': {
      const mod = await import('./macos.js').catch(() => null);
      return mod?.macosManagedReader() ?? (async () => ({ settings: {}, source: null }));
    }
    case 'win32': {
      const mod = await import('./windows.js').catch(() => null);
      return mod?.windowsManagedReader() ?? (async () => ({ settings: {}, source: null }));
    }
    default:
      return jsonFileReader('/etc/devtrust/agent.json');
  }
}
