import type { Posture } from '@devtrust/shared/identity';
import type { AgentStatus } from '../core/agent.js';
import type { ManagedSettings } from '../config/managed/types.js';

/** The tray's three faces: session up; session up and last verdict trusted; something to look at. */
export type TrayState = 'connected' | 'trusted' | 'attention';

/** Everything the status window shows; plain JSON, sent over IPC. */
export interface StatusView {
  state: TrayState;
  headline: string;
  /** Why attention is needed, in words for the user. */
  detail: string | null;
  connection: {
    link: AgentStatus['link'] | 'not-configured';
    collector: string | null;
    /** Where the enrollment was carried over from (previousCollectorUrls), and when. */
    movedFrom: { collector: string; at: string } | null;
    endpointId: string | null;
    lastError: string | null;
    lastReportAt: string | null;
    loopbackPort: number | null;
  };
  identity: {
    platform: string | null;
    hostname: string | null;
    osVersion: string | null;
    hardwareUuid: string | null;
    serialNumber: string | null;
    machineGuid: string | null;
    macAddresses: string[];
  };
  edr: Array<{ vendor: string; name: string; installed: boolean | null; running: boolean | null; connectorId: string | null }>;
  posture: Posture;
  verdict: { verdict: 'trusted' | 'untrusted'; access: 'allow' | 'deny'; reasons: string[]; at: string } | null;
  managed: { byOrganization: boolean; supportUrl: string | null; disallowQuit: boolean };
  version: string;
}

export const EDR_NAMES: Record<string, string> = {
  'cisco-secure-endpoint': 'Cisco Secure Endpoint',
  crowdstrike: 'CrowdStrike Falcon',
  sentinelone: 'SentinelOne',
  defender: 'Microsoft Defender for Endpoint',
};

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/**
 * Why an untrusted verdict was given, in one line for the user. The collector puts the
 * decision first ("denied: policy require-trusted and the device is not trusted", which the
 * headline already says) and its cause next: when that cause says why the device is untrusted
 * ("untrusted: this device waits for your IT team: …", what to ask them for), it is the line
 * to show. Even under "summary" disclosure the collector sends such a fixed reason.
 */
export function untrustedDetail(reasons: readonly string[]): string | null {
  const cause = reasons[1];
  if (cause === undefined || !cause.startsWith(UNTRUSTED)) return reasons[0] ?? null;
  const text = cause.slice(UNTRUSTED.length);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const UNTRUSTED = 'untrusted: ';

function stateOf(status: AgentStatus): { state: TrayState; headline: string; detail: string | null } {
  const host = hostOf(status.collectorUrl);
  if (status.link === 'refused')
    return { state: 'attention', headline: 'Refused by your organization', detail: status.lastError ?? `${host} refused this device.` };
  if (status.link !== 'connected') {
    const headline = status.link === 'connecting' ? `Connecting to ${host}…` : `Not connected to ${host}`;
    return { state: 'attention', headline, detail: status.lastError };
  }
  if (status.lastVerdict?.verdict === 'untrusted') {
    return { state: 'attention', headline: 'This device was not trusted', detail: untrustedDetail(status.lastVerdict.reasons) };
  }
  const posture = status.lastReport?.report.posture ?? {};
  const problems = [
    posture.diskEncryption === false && 'disk encryption is off',
    posture.firewall === false && 'the firewall is off',
  ].filter(Boolean);
  if (status.lastVerdict?.verdict === 'trusted') return { state: 'trusted', headline: 'This device is trusted', detail: null };
  if (problems.length > 0)
    return { state: 'attention', headline: `Connected to ${host}`, detail: `On this device ${problems.join(' and ')}.` };
  return { state: 'connected', headline: `Connected to ${host}`, detail: null };
}

/** Pure: what the tray and window show for an agent status (null: the agent is not set up). */
export function toStatusView(
  status: AgentStatus | null,
  context: { managed: ManagedSettings; version: string; problem?: string | null },
): StatusView {
  const managed = {
    byOrganization: Object.keys(context.managed).length > 0,
    supportUrl: context.managed.supportUrl && /^https:\/\//i.test(context.managed.supportUrl) ? context.managed.supportUrl : null,
    disallowQuit: context.managed.disallowQuit === true,
  };
  if (!status) {
    return {
      state: 'attention',
      headline: 'DevTrust is not set up',
      detail: context.problem ?? 'No collector is configured. Ask your IT department.',
      connection: {
        link: 'not-configured',
        collector: null,
        movedFrom: null,
        endpointId: null,
        lastError: context.problem ?? null,
        lastReportAt: null,
        loopbackPort: null,
      },
      identity: {
        platform: null,
        hostname: null,
        osVersion: null,
        hardwareUuid: null,
        serialNumber: null,
        machineGuid: null,
        macAddresses: [],
      },
      edr: [],
      posture: {},
      verdict: null,
      managed,
      version: context.version,
    };
  }
  const identity = status.lastReport?.report.identity ?? {};
  return {
    ...stateOf(status),
    connection: {
      link: status.link,
      collector: status.collectorUrl,
      movedFrom: status.enrollmentMovedFrom
        ? { collector: status.enrollmentMovedFrom.collectorUrl, at: status.enrollmentMovedFrom.at }
        : null,
      endpointId: status.endpointId,
      lastError: status.lastError,
      lastReportAt: status.lastReport?.at ?? null,
      loopbackPort: status.loopbackPort,
    },
    identity: {
      platform: identity.platform ?? null,
      hostname: identity.hostname ?? null,
      osVersion: identity.osVersion ?? null,
      hardwareUuid: identity.hardwareUuid ?? null,
      serialNumber: identity.serialNumber ?? null,
      machineGuid: identity.machineGuid ?? null,
      macAddresses: identity.macAddresses ?? [],
    },
    edr: (identity.edr ?? []).map((e) => ({
      vendor: e.vendor,
      name: EDR_NAMES[e.vendor] ?? e.vendor,
      installed: e.installed ?? null,
      running: e.running ?? null,
      connectorId: e.connectorId ?? null,
    })),
    posture: status.lastReport?.report.posture ?? {},
    verdict: status.lastVerdict
      ? {
          verdict: status.lastVerdict.verdict,
          access: status.lastVerdict.access,
          reasons: status.lastVerdict.reasons,
          at: status.lastVerdict.at,
        }
      : null,
    managed,
    version: context.version,
  };
}
