/**
 * What the devtrust:// confirmation window shows; plain JSON, sent over IPC. The user and
 * the application are separate fields the page labels itself, never one sentence built
 * from them: text from the collector must not be able to write the question.
 */
export type ConfirmationView =
  | {
      kind: 'ask';
      application: string;
      username: string;
      /** scheme://host:port of the collector this agent is enrolled with. */
      collector: string;
      expiresAt: string | null;
    }
  | {
      kind: 'refused';
      collector: string;
      /** Why nothing is asked, in words for the user. */
      reason: string;
    };

const DEFAULT_PORTS: Record<string, string> = { 'https:': '443', 'http:': '80', 'wss:': '443', 'ws:': '80' };

/** scheme://host:port, the port always written out: the user compares it with what IT told them. */
export function collectorOrigin(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || DEFAULT_PORTS[parsed.protocol] || '?'}`;
  } catch {
    return url;
  }
}

/** The refusal shown when the collector's description of a sign-in cannot be shown safely. */
export function unsafeRefusal(collector: string, detail: string): ConfirmationView & { kind: 'refused' } {
  return {
    kind: 'refused',
    collector,
    reason: `This sign-in request was refused and nothing was vouched for: ${detail}. Such characters can make a request read as something else. If you did not start a sign-in, ignore this; otherwise tell your IT department.`,
  };
}
