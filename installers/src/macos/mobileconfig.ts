import { stableUuid } from '../uuid.js';
import { toPlistXml, type PlistValue } from './plist.js';

export const AGENT_BUNDLE_ID = 'com.devtrust.agent';
const PROFILE_ID = `${AGENT_BUNDLE_ID}.profile`;

/**
 * Chrome and Edge policies that let the collector's page call the loopback door without
 * the Local Network Access prompt. LocalNetworkAccessAllowedForUrls (Chrome 139+, Edge
 * 140+) covers loopback and the local network; LoopbackNetworkAllowedForUrls (146+) is
 * the narrower loopback-only successor. Each lists the origins allowed to start such
 * requests: the collector's, nothing wider.
 */
export const BROWSER_POLICIES = ['LocalNetworkAccessAllowedForUrls', 'LoopbackNetworkAllowedForUrls'] as const;
export const BROWSERS = [
  { domain: 'com.google.Chrome', name: 'Google Chrome' },
  { domain: 'com.microsoft.Edge', name: 'Microsoft Edge' },
] as const;

export interface AgentSettings {
  collectorUrl: string;
  /** Earlier URLs of the same collector: agents enrolled under one of them keep their enrollment. */
  previousCollectorUrls?: string[];
  enrollmentKey: string;
  disallowQuit?: boolean;
  supportUrl?: string;
  /** MDM-asserted identity: the integration's configuration key and the MDM's device ID variable. */
  trustedEndpointsKey?: string;
  trustedEndpointIdentifier?: string;
}

/**
 * A com.apple.ManagedClient.preferences payload: macOS writes its settings to
 * /Library/Managed Preferences/<domain>.plist, where the agent (and the browsers) read
 * them and users cannot change them.
 */
function managedPreferences(domain: string, name: string, settings: Record<string, PlistValue>, seed: string): Record<string, PlistValue> {
  const identifier = `${PROFILE_ID}.${domain}`;
  return {
    PayloadType: 'com.apple.ManagedClient.preferences',
    PayloadVersion: 1,
    PayloadIdentifier: identifier,
    PayloadUUID: stableUuid(seed, identifier),
    PayloadDisplayName: `${name} settings`,
    PayloadEnabled: true,
    PayloadContent: { [domain]: { Forced: [{ mcx_preference_settings: settings }] } },
  };
}

export function buildMobileconfig(settings: AgentSettings, collectorOrigin: string): string {
  const seed = JSON.stringify(settings);
  const agent: Record<string, PlistValue> = { collectorUrl: settings.collectorUrl, enrollmentKey: settings.enrollmentKey };
  if (settings.previousCollectorUrls?.length) agent.previousCollectorUrls = settings.previousCollectorUrls;
  if (settings.disallowQuit !== undefined) agent.disallowQuit = settings.disallowQuit;
  if (settings.supportUrl) agent.supportUrl = settings.supportUrl;
  if (settings.trustedEndpointsKey && settings.trustedEndpointIdentifier) {
    agent.trustedEndpointsKey = settings.trustedEndpointsKey;
    agent.trustedEndpointIdentifier = settings.trustedEndpointIdentifier;
  }
  const browserSettings = Object.fromEntries(BROWSER_POLICIES.map((policy) => [policy, [collectorOrigin]]));
  return toPlistXml({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: PROFILE_ID,
    PayloadUUID: stableUuid(seed, PROFILE_ID),
    PayloadDisplayName: 'DevTrust',
    PayloadDescription: `Connects the DevTrust agent to ${settings.collectorUrl} and lets that site reach the agent from Chrome and Edge.`,
    PayloadOrganization: 'DevTrust',
    // System scope: settings land in /Library/Managed Preferences for every user.
    PayloadScope: 'System',
    PayloadRemovalDisallowed: true,
    PayloadContent: [
      managedPreferences(AGENT_BUNDLE_ID, 'DevTrust agent', agent, seed),
      ...BROWSERS.map((browser) => managedPreferences(browser.domain, browser.name, browserSettings, seed)),
    ],
  });
}
