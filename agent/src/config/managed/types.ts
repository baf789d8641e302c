/**
 * Managed settings an administrator pushed through MDM: macOS managed preferences for
 * the agent's bundle id, Windows HKLM\SOFTWARE\Policies\DevTrust\Agent, or on Linux
 * /etc/devtrust/agent.json. They win over every user-controlled layer.
 */
export interface ManagedSettings {
  collectorUrl?: string;
  enrollmentKey?: string;
  /** When true the tray app offers no Quit item. */
  disallowQuit?: boolean;
  /** Where the prompt and tray send people to get help. */
  supportUrl?: string;
}

/** Reads the platform's managed settings; never throws (a broken policy source yields {} and a reason). */
export type ManagedSettingsReader = () => Promise<{ settings: ManagedSettings; source: string | null; problem?: string }>;

export const AGENT_BUNDLE_ID = 'com.devtrust.agent';
