import type { CollectHost } from '../host.js';
import { parseMdatpHealth, parseMdatpHealthJson, type MdatpHealth } from './parse.js';
import { cliProblem, finding, notInstalled, type VendorFinding } from './report.js';

/** The text form's snake_case fields, as the JSON form's parser returns them. */
function fromText(text: string): MdatpHealth {
  const health = parseMdatpHealth(text);
  const flag = (name: string) => (health.has(name) ? health.get(name) === 'true' : null);
  return {
    machineId: health.get('edr_machine_id') || null,
    orgId: health.get('org_id') || null,
    healthy: flag('healthy'),
    licensed: flag('licensed'),
    version: health.get('app_version') || null,
  };
}

/**
 * Defender for Endpoint on macOS and Linux, through its `mdatp` CLI. `mdatp health
 * --output json` first (stable camelCase keys, no column layout to guess); the text form
 * for releases without it. `mdatp health` answers only while wdavdaemon runs, so an
 * answer means running.
 */
export async function defenderFromMdatp(host: CollectHost): Promise<VendorFinding> {
  const json = await host.run('mdatp', ['health', '--output', 'json']);
  if (!json.ok && json.kind === 'not-installed') return notInstalled;
  let health = json.ok && json.code === 0 ? parseMdatpHealthJson(json.stdout) : null;
  if (!health) {
    const result = await host.run('mdatp', ['health']);
    if (!result.ok && result.kind === 'not-installed') return notInstalled;
    if (!result.ok || result.code !== 0)
      return finding({ vendor: 'defender', installed: true, running: false }, cliProblem('mdatp health', result));
    health = fromText(result.stdout);
  }
  const fields = {
    vendor: 'defender' as const,
    installed: true,
    running: true,
    connectorId: health.machineId,
    details: { orgId: health.orgId, healthy: health.healthy, licensed: health.licensed, version: health.version },
  };
  return finding(fields, health.machineId ? undefined : 'mdatp reports no edr_machine_id (not onboarded?)');
}
