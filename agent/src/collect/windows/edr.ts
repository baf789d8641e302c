import path from 'node:path';
import { windowsFolders } from '../../platform/allowlist.js';
import { regNumber, regText } from '../../platform/reg-query.js';
import { parseCiscoLocalXml, parseSentinelAgentId } from '../edr/parse.js';
import { cliProblem, edrReport, finding, notInstalled, type VendorFinding } from '../edr/report.js';
import type { CollectHost } from '../host.js';
import type { EdrReport, ProbeResult } from '../probe.js';
import { rowOf, text } from './inventory.js';
import { readKey, valueOf } from './registry.js';
import { REGISTRY_KEYS } from './registry-script.js';
import { section, serviceState } from './sources.js';

export const DEFENDER_KEY = REGISTRY_KEYS.defender.key;

/** Cisco's integration guide: `/config/agent/uuid` in local.xml under the InstallDir of HKLM\SOFTWARE\Immunet Protect. */
async function cisco(host: CollectHost): Promise<VendorFinding> {
  const amp = await section(host, 'ciscoAmp');
  const installDir =
    (amp.ok ? text(rowOf(amp.value), 'InstallDir') : null) ?? path.win32.join(windowsFolders().programFiles, 'Cisco', 'AMP');
  const file = path.win32.join(installDir, 'local.xml');
  const [xml, service] = await Promise.all([host.readText(file), serviceState(host, 'CiscoAMP*')]);
  if (!service?.exists && !xml.ok && xml.kind === 'missing') return notInstalled;
  const guid = xml.ok ? parseCiscoLocalXml(xml.value) : null;
  const note = guid ? undefined : xml.ok ? `${file} holds no connector GUID` : xml.reason;
  return finding({ vendor: 'cisco-secure-endpoint', installed: true, running: service?.running, connectorId: guid }, note);
}

/**
 * The sensor always installs CSFalconService, so a machine without that service has no
 * sensor and its registry is not asked. Otherwise the agent ID (AG) comes from the
 * current key, else the older one.
 */
async function crowdstrike(host: CollectHost): Promise<VendorFinding> {
  const service = await serviceState(host, 'CSFalconService');
  if (service && !service.exists) return notInstalled;
  let aid: string | null = null;
  let problem: string | undefined;
  let keyExists = false; // found, or there but unreadable: either way the sensor is installed
  for (const name of ['crowdstrikeAg', 'crowdstrikeSim'] as const) {
    const read = await readKey(host, name);
    if (read.ok) {
      const ag = valueOf(read, 'AG');
      if (!ag) continue; // the key without its AG value: try the older key
      keyExists = true;
      const hex = ag.type === 'REG_BINARY' ? regText(ag) : null;
      if (hex && /^[0-9a-f]{32}$/i.test(hex)) aid = hex.toLowerCase();
      else problem = `${REGISTRY_KEYS[name].key}\\AG is not a 16-byte agent ID`;
      break;
    }
    if (read.kind === 'denied') keyExists = true;
    if (read.kind !== 'missing') problem ??= read.reason;
  }
  if (!keyExists && !service?.exists) return problem ? { connector: null, note: problem } : notInstalled;
  const note = aid ? undefined : (problem ?? 'the sensor service exists but no agent ID (AG) was found');
  return finding({ vendor: 'crowdstrike', installed: true, running: service?.running, connectorId: aid }, note);
}

async function sentinelone(host: CollectHost): Promise<VendorFinding> {
  const [service, result] = await Promise.all([serviceState(host, 'SentinelAgent'), host.run('sentinelctl', ['agent_id'])]);
  const notFound = !result.ok && result.kind === 'not-installed';
  if (notFound && !service?.exists) return notInstalled;
  const id = result.ok && result.code === 0 ? parseSentinelAgentId(result.stdout) : null;
  const note = id
    ? undefined
    : result.ok && result.code === 0
      ? 'SentinelCtl agent_id printed no UUID'
      : cliProblem('SentinelCtl agent_id', result);
  return finding({ vendor: 'sentinelone', installed: true, running: service?.running, connectorId: id }, note);
}

/**
 * The Sense service ships with Windows 10/11 but only runs once onboarded, so Defender
 * for Endpoint counts as present when its Status key exists or Sense runs. OnboardingState
 * and OrgId live under …\Status; senseId (the device ID in the Defender portal) one level up.
 */
async function defender(host: CollectHost): Promise<VendorFinding> {
  const [atp, status, service] = await Promise.all([
    readKey(host, 'defender'),
    readKey(host, 'defenderStatus'),
    serviceState(host, 'Sense'),
  ]);
  const state = regNumber(valueOf(status, 'OnboardingState'));
  if (state === null && !service?.running) {
    // Missing keys mean "not installed"; so does an unreadable key when Sense is known to be stopped.
    if (status.ok || status.kind === 'missing' || service) return notInstalled;
    return { connector: null, note: status.reason };
  }
  const senseId = regText(valueOf(atp, 'senseId'));
  const orgId = regText(valueOf(status, 'OrgId')) ?? undefined;
  const note = senseId
    ? undefined
    : state === 0
      ? 'not onboarded (OnboardingState 0): no device ID'
      : atp.ok
        ? 'no senseId (device ID) in the registry'
        : atp.reason;
  return finding(
    {
      vendor: 'defender',
      installed: state === null ? null : state === 1,
      running: service?.running,
      connectorId: senseId,
      details: { onboardingState: state, orgId },
    },
    note,
  );
}

export function windowsEdr(host: CollectHost): Promise<ProbeResult<EdrReport>> {
  return edrReport({
    'cisco-secure-endpoint': () => cisco(host),
    crowdstrike: () => crowdstrike(host),
    sentinelone: () => sentinelone(host),
    defender: () => defender(host),
  });
}
