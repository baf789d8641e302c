/**
 * Pure parser for `sc.exe query <name>` output, the services fallback when PowerShell
 * does not answer. (`reg query` output is parsed by platform/reg-query.ts.)
 */

/**
 * `sc.exe query <name>`: "        STATE              : 4  RUNNING"; a missing service
 * exits 1060 with "The specified service does not exist as an installed service."
 */
export function parseScQuery(output: string): { exists: boolean; running: boolean | null } {
  if (/FAILED 1060|does not exist as an installed service/i.test(output)) return { exists: false, running: null };
  const state = /^\s*STATE\s*:\s*\d+\s+(\w+)/m.exec(output)?.[1];
  return { exists: state !== undefined, running: state === undefined ? null : state.toUpperCase() === 'RUNNING' };
}
