import { stat } from 'node:fs/promises';
import { runOrThrow } from '../../platform/command-error.js';
import { runAllowed, type CommandRunner } from '../../platform/exec.js';
import { sanitizeManaged } from './sanitize.js';
import { parsePlutilJson } from './parse-plutil-json.js';
import { AGENT_BUNDLE_ID, type ManagedSettingsReader } from './types.js';

/**
 * Where macOS puts the device-level managed preferences of a configuration profile
 * (com.apple.ManagedClient.preferences payload for our bundle id). Only root and MDM
 * write there, so a user cannot plant a value; per-user profiles land in a subfolder
 * named after the user and are deliberately not read.
 */
export const MANAGED_PREFERENCES_FILE = `/Library/Managed Preferences/${AGENT_BUNDLE_ID}.plist`;

/** plutil reads both the binary and the XML plist formats, so we never parse binary plists. */
export function plutilArgs(file: string): string[] {
  return ['-convert', 'json', '-o', '-', file];
}

export function macosManagedReader(runner: CommandRunner = runAllowed, file: string = MANAGED_PREFERENCES_FILE): ManagedSettingsReader {
  return async () => {
    try {
      await stat(file);
    } catch {
      return { settings: {}, source: null };
    }
    try {
      const result = await runOrThrow(runner, 'plutil', plutilArgs(file), { timeoutMs: 5_000 });
      if (result.code !== 0) {
        return { settings: {}, source: file, problem: `plutil could not read ${file}: ${result.stderr.trim() || result.stdout.trim()}` };
      }
      return { settings: sanitizeManaged(parsePlutilJson(result.stdout)), source: file };
    } catch (error) {
      return { settings: {}, source: file, problem: `${file}: ${(error as Error).message}` };
    }
  };
}
