/**
 * Managed settings an administrator pushed through MDM: macOS managed preferences for
 * the agent's bundle id, Windows HKLM\SOFTWARE\Policies\DevTrust\Agent, or on Linux
 * /etc/devtrust/agent.json. They win over every user-controlled layer.
 */
export interface ManagedSettings {
  collectorUrl?: string;
  /**
   * Earlier URLs of the same collector, whose enrollment the agent carries to `collectorUrl`
   * (a plist array, a REG_MULTI_SZ, a JSON array; one string is split at commas and blanks).
   * Checked in config.ts, where a malformed entry is refused as a bad collectorUrl is.
   */
  previousCollectorUrls?: string[];
  enrollmentKey?: string;
  /** When true the tray app offers no Quit item. */
  disallowQuit?: boolean;
  /** Where the prompt and tray send people to get help. */
  supportUrl?: string;
  /**
   * MDM-asserted identity (docs/mdm-asserted-identity.md): the integration's configuration
   * key and the MDM's own ID for this device, both pushed by the MDM. The key never leaves
   * the device; reports carry a proof made with it.
   */
  trustedEndpointsKey?: string;
  trustedEndpointIdentifier?: string;
}

/** Reads the platform's managed settings; never throws (a broken policy source yields {} and a reason). */
export type ManagedSettingsReader = () => Promise<{ settings: ManagedSettings; source: string | null; problem?: string }>;

export const AGENT_BUNDLE_ID = 'com.devtrust.agent';
