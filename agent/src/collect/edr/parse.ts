/**
 * Pure parsers for what the EDR connectors write, the same on every OS they run on.
 * Each takes the exact text a command printed (or a file held) and never throws;
 * formats are documented next to each, with the fixtures in agent/test/collect/fixtures.
 */

const UUID_TEXT = '[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}';
const LABELLED_ID = new RegExp(`^\\s*(?:agent\\s*)?(?:id|uuid)\\s*:\\s*(${UUID_TEXT})\\s*$`, 'im');
const BARE_ID = new RegExp(`^\\s*(${UUID_TEXT})\\s*$`, 'im');

/** "Key: value" lines (falconctl stats, ampcli status, sentinelctl): lower-cased keys, first occurrence wins. */
export function colonFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const key = (match[1] as string).toLowerCase();
    if (!fields.has(key)) fields.set(key, match[2] as string);
  }
  return fields;
}

/**
 * Cisco Secure Endpoint's `local.xml`: the connector GUID is `/config/agent/uuid`
 * (Cisco's integration guide, all three OSes). Some builds are reported to write an
 * `<agent_guid>` element instead, so that is the fallback.
 */
export function parseCiscoLocalXml(xml: string): string | null {
  const agent = /<(?:\w+:)?agent\b[^>]*>([\s\S]*?)<\/(?:\w+:)?agent>/i.exec(xml)?.[1];
  const uuid = agent === undefined ? undefined : /<(?:\w+:)?uuid>\s*([^<\s]+)\s*</i.exec(agent)?.[1];
  if (uuid) return uuid;
  return /<(?:\w+:)?agent_guid>\s*([^<\s]+)\s*</i.exec(xml)?.[1] ?? null;
}

/** `ampcli status` (macOS, Linux): "Status: Connected", "Mode: Protect", … */
export function parseAmpcliStatus(text: string): { status: string | null; connected: boolean | null } {
  const status = colonFields(text).get('status') ?? null;
  return { status, connected: status === null ? null : /^connected\b/i.test(status) };
}

export interface FalconStats {
  agentId: string | null;
  customerId: string | null;
  version: string | null;
  operational: boolean | null;
}

/**
 * `falconctl stats agent_info` (macOS):
 *   === agent_info ===
 *   version: 7.10.17706.0
 *   agentID: 1230BD01-7F0B-4A94-8BD1-97EA8C774511
 *   customerID: EFB874A1-…
 *   Sensor operational: true
 */
export function parseFalconctlStats(text: string): FalconStats {
  const fields = colonFields(text);
  const operational = fields.get('sensor operational');
  return {
    agentId: fields.get('agentid') || null,
    customerId: fields.get('customerid') || null,
    version: fields.get('version') || null,
    operational: operational === undefined ? null : operational.toLowerCase() === 'true',
  };
}

/** `falconctl -g --aid` (Linux): `aid="44e3b7d20b434a2bb2815d9808fa3a8b".` or `aid is not set.` */
export function parseFalconctlAid(text: string): { aid: string | null; notSet: boolean } {
  const aid = /aid\s*=\s*"?([0-9a-f-]{32,36})"?/i.exec(text)?.[1] ?? null;
  return { aid, notSet: aid === null && /aid is not set/i.test(text) };
}

/**
 * `mdatp health` (macOS, Linux): one `name : value` per line, strings quoted,
 * booleans and numbers bare. Returns values unquoted, keyed by field name.
 */
export function parseMdatpHealth(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([a-z_]+)\s+:\s*(.*?)\s*$/.exec(line);
    if (match) fields.set(match[1] as string, (match[2] as string).replace(/^"(.*)"$/, '$1'));
  }
  return fields;
}

/**
 * SentinelOne's agent UUID from `SentinelCtl.exe agent_id` (the UUID alone on a line),
 * `sentinelctl management uuid get` (Linux) or `sentinelctl status` (macOS), whose label
 * varies by version ("ID:", "UUID:", "Agent ID:"): a labelled line first, else a bare one.
 */
export function parseSentinelAgentId(text: string): string | null {
  return LABELLED_ID.exec(text)?.[1] ?? BARE_ID.exec(text)?.[1] ?? null;
}

/** Whether `sentinelctl status` says the agent is active: Windows, macOS and Linux wordings. */
export function parseSentinelRunning(text: string): boolean | null {
  if (/SentinelAgent is not loaded|Protection\s*(?:status)?:\s*(?:disabled|off)\b|Agent state\s+Disabled/i.test(text)) return false;
  if (/SentinelAgent is loaded|Protection\s*(?:status)?:\s*(?:enabled|on)\b|Agent state\s+Enabled/i.test(text)) return true;
  return null;
}

export interface SentinelctlStatus {
  agentId: string | null;
  version: string | null;
  running: boolean | null;
}

/**
 * `sentinelctl status` on macOS: unindented section names ("Agent", "Management",
 * "Daemons", …) with indented "Name:   value" lines under them. The agent's UUID is the
 * `ID:` line of the `Agent` section (other sections have IDs of their own, e.g. an asset's
 * "Command asset ID"), so only that section is read for it; a value that is not a UUID
 * (a redacted "xxxxxxx-xxxx-…") is no ID. Running: `Protection: enabled` in that section.
 */
export function parseSentinelctlStatus(text: string): SentinelctlStatus {
  const agent = new Map<string, string>();
  let section: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      section = line.trim().toLowerCase();
      continue;
    }
    const match = /^\s+([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (section === 'agent' && match && !agent.has((match[1] as string).toLowerCase()))
      agent.set((match[1] as string).toLowerCase(), match[2] as string);
  }
  // Older releases print no sections: fall back to the first labelled UUID anywhere.
  const id = agent.size > 0 ? (agent.get('id') ?? agent.get('uuid') ?? agent.get('agent id') ?? '') : null;
  const agentId = id === null ? parseSentinelAgentId(text) : new RegExp(`^${UUID_TEXT}$`, 'i').test(id) ? id : null;
  const protection = agent.get('protection')?.toLowerCase();
  return {
    agentId,
    version: agent.get('version') || null,
    running: protection === 'enabled' ? true : protection === 'disabled' ? false : parseSentinelRunning(text),
  };
}

export interface MdatpHealth {
  machineId: string | null;
  orgId: string | null;
  healthy: boolean | null;
  licensed: boolean | null;
  version: string | null;
}

/**
 * `mdatp health --output json` (macOS and Linux): camelCase keys (`edrMachineId`, `orgId`,
 * `healthy`, `licensed`, `appVersion`); managed settings come as `{ value, isManaged }`
 * objects, plain facts as bare values. Null when the text is not that JSON.
 */
export function parseMdatpHealthJson(text: string): MdatpHealth | null {
  let json: unknown;
  try {
    json = JSON.parse(text.slice(Math.max(0, text.indexOf('{'))));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const raw = json as Record<string, unknown>;
  const plain = (key: string): unknown => {
    const value = raw[key];
    return typeof value === 'object' && value !== null && 'value' in value ? (value as { value: unknown }).value : value;
  };
  const str = (key: string) => {
    const value = plain(key);
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const bool = (key: string) => {
    const value = plain(key);
    return typeof value === 'boolean' ? value : null;
  };
  return {
    machineId: str('edrMachineId'),
    orgId: str('orgId'),
    healthy: bool('healthy'),
    licensed: bool('licensed'),
    version: str('appVersion'),
  };
}
