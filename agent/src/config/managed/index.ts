import { readFile } from 'node:fs/promises';
import { macosManagedReader } from './macos.js';
import { sanitizeManaged } from './sanitize.js';
import type { ManagedSettingsReader } from './types.js';
import { windowsManagedReader } from './windows.js';

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
export function platformManagedReader(platform: NodeJS.Platform = process.platform): ManagedSettingsReader {
  switch (platform) {
    case 'darwin':
      return macosManagedReader();
    case 'win32':
      return windowsManagedReader();
    default:
      return jsonFileReader('/etc/devtrust/agent.json');
  }
}

export { sanitizeManaged };
