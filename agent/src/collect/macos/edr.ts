import { defenderFromMdatp } from '../edr/mdatp.js';
import { parseAmpcliStatus, parseCiscoLocalXml, parseFalconctlStats, parseSentinelctlStatus } from '../edr/parse.js';
import { cliProblem, edrReport, finding, notInstalled, type VendorFinding } from '../edr/report.js';
import type { CollectHost } from '../host.js';
import type { EdrReport, ProbeResult } from '../probe.js';

/** Newest branding first; "AMP for Endpoints Connector" is the path Cisco's integration guide documents. */
export const CISCO_LOCAL_XML = [
  '/Library/Application Support/Cisco/Secure Endpoint/local.xml',
  '/Library/Application Support/Cisco/AMP for Endpoints Connector/local.xml',
];

async function cisco(host: CollectHost): Promise<VendorFinding> {
  let guid: string | null = null;
  let note: string | undefined;
  let sawConfig = false;
  for (const file of CISCO_LOCAL_XML) {
    const read = await host.readText(file);
    if (read.ok) {
      sawConfig = true;
      guid = parseCiscoLocalXml(read.value);
      if (!guid) note = `${file} holds no connector GUID`;
      break;
    }
    if (read.kind !== 'missing') {
      sawConfig = true;
      note = read.reason;
    }
  }
  const status = await host.run('ampcli', ['status']);
  if (!sawConfig && !status.ok && status.kind === 'not-installed') return notInstalled;
  const parsed = status.ok && status.code === 0 ? parseAmpcliStatus(status.stdout) : null;
  if (!parsed) note ??= cliProblem('ampcli status', status);
  // ampcli answers through the daemon: any status but "not running" means it runs.
  const running = parsed ? parsed.status !== null && !/not running|stopped/i.test(parsed.status) : null;
  return finding(
    { vendor: 'cisco-secure-endpoint', installed: true, running, connectorId: guid, details: { status: parsed?.status } },
    note,
  );
}

async function crowdstrike(host: CollectHost): Promise<VendorFinding> {
  const result = await host.run('falconctl', ['stats', 'agent_info']);
  if (!result.ok && result.kind === 'not-installed') return notInstalled;
  const stats = result.ok && result.code === 0 ? parseFalconctlStats(result.stdout) : null;
  const note = stats?.agentId ? undefined : stats ? 'falconctl printed no agentID' : cliProblem('falconctl stats', result);
  return finding(
    {
      vendor: 'crowdstrike',
      installed: true,
      running: stats?.operational,
      connectorId: stats?.agentId,
      details: { version: stats?.version },
    },
    note,
  );
}

/**
 * `sentinelctl status`, from the agent bundle (where every install has it) or the
 * /usr/local/bin link some installs add.
 */
async function sentinelone(host: CollectHost): Promise<VendorFinding> {
  let result = await host.run('sentinelctl', ['status']);
  if (!result.ok && result.kind === 'not-installed') result = await host.run('sentinelctl-link', ['status']);
  if (!result.ok && result.kind === 'not-installed') return notInstalled;
  const status = result.ok && result.code === 0 ? parseSentinelctlStatus(result.stdout) : null;
  const note = status?.agentId ? undefined : status ? 'sentinelctl status printed no agent UUID' : cliProblem('sentinelctl status', result);
  return finding({ vendor: 'sentinelone', installed: true, running: status?.running, connectorId: status?.agentId }, note);
}

export function macosEdr(host: CollectHost): Promise<ProbeResult<EdrReport>> {
  return edrReport({
    'cisco-secure-endpoint': () => cisco(host),
    crowdstrike: () => crowdstrike(host),
    sentinelone: () => sentinelone(host),
    defender: () => defenderFromMdatp(host),
  });
}
