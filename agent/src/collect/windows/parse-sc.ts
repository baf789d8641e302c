/**
 * Pure parser for `sc.exe query <name>` output, the services fallback when PowerShell
 * does not answer. (`reg query` output is parsed by platform/reg-query.ts.)
 */

/** The service states sc.exe prints after the state number; these tokens are not translated. */
const STATES = 'STOPPED|START_PENDING|STOP_PENDING|RUNNING|CONTINUE_PENDING|PAUSE_PENDING|PAUSED';

/**
 * `sc.exe query <name>`: "        STATE              : 4  RUNNING" (the label is translated,
 * "STATUS" on a German machine; the number and the token are not); a missing service
 * exits 1060 ("[SC] EnumQueryServicesStatus:OpenService FAILED 1060:" and a localized sentence).
 */
export function parseScQuery(output: string, exitCode?: number): { exists: boolean; running: boolean | null } {
  if (exitCode === 1060 || /FAILED 1060\b/.test(output)) return { exists: false, running: null };
  const state = new RegExp(`^\\s*\\S[^:\\r\\n]*:\\s*(\\d+)\\s+(${STATES})\\b`, 'm').exec(output);
  return { exists: state !== null, running: state === null ? null : state[2] === 'RUNNING' };
}
