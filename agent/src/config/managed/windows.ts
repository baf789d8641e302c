import { runOrThrow } from '../../platform/command-error.js';
import { runAllowed, type CommandRunner } from '../../platform/exec.js';
import { parseRegQuery, valuesOfKey, type RegValue } from '../../platform/reg-query.js';
import { classifyRegFailure, firstLine } from '../../platform/reg-read.js';
import { sanitizeManaged } from './sanitize.js';
import type { ManagedSettingsReader } from './types.js';

/** Group Policy / Intune ADMX ingestion writes here; only administrators can. */
export const POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent';

/** /reg:64 reads the 64-bit view even from a 32-bit process, where the MSI writes. */
export function regQueryArgs(key: string = POLICY_KEY): string[] {
  return ['query', key, '/s', '/reg:64'];
}

const CANONICAL_NAMES: Record<string, string> = {
  collectorurl: 'collectorUrl',
  previouscollectorurls: 'previousCollectorUrls',
  enrollmentkey: 'enrollmentKey',
  disallowquit: 'disallowQuit',
  supporturl: 'supportUrl',
  trustedendpointskey: 'trustedEndpointsKey',
  trustedendpointidentifier: 'trustedEndpointIdentifier',
};

/** Registry value names are case-insensitive; the settings' keys are not. */
export function settingsFromRegValues(values: Map<string, RegValue>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [name, entry] of values) {
    const key = CANONICAL_NAMES[name.toLowerCase()];
    // Only a list takes a multi-string (the ADMX's multiText); one string is split in sanitize.
    if (key && (entry.type !== 'REG_MULTI_SZ' || key === 'previousCollectorUrls')) raw[key] = entry.value;
  }
  return raw;
}

export function windowsManagedReader(runner: CommandRunner = runAllowed): ManagedSettingsReader {
  return async () => {
    try {
      const result = await runOrThrow(runner, 'reg', regQueryArgs(), { timeoutMs: 5_000 });
      // reg exits 1 for every failure, in the machine's language: the registry says whether the key is absent.
      if (result.code !== 0) {
        const kind = await classifyRegFailure((args) => runner('reg', args, { timeoutMs: 5_000 }), POLICY_KEY);
        if (kind === 'missing') return { settings: {}, source: null };
        return { settings: {}, source: POLICY_KEY, problem: `reg query failed (exit ${result.code}): ${firstLine(result)}` };
      }
      const values = valuesOfKey(parseRegQuery(result.stdout), POLICY_KEY);
      if (!values) return { settings: {}, source: null };
      return { settings: sanitizeManaged(settingsFromRegValues(values)), source: POLICY_KEY };
    } catch (error) {
      return { settings: {}, source: POLICY_KEY, problem: `${POLICY_KEY}: ${(error as Error).message}` };
    }
  };
}
