import { firstUnstorableText, jsonDepth } from '../identity/storable-text.js';
import { LIMITS } from './limits.js';
import { ChannelError } from './errors.js';
import { PLAIN_ISSUES, describeIssue } from './plain-issues.js';
import { AGENT_MESSAGE_TYPES, MOBILE_PLATFORMS, agentMessage, type AgentMessage, type Report } from './messages.js';
import { usualReportFrame } from './usual-report.js';

/** A `\u0000` or `\uD800`–`\uDFFF` escape, or a raw NUL or surrogate (a pair matches too: then the walk decides). */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const MAY_HOLD_UNSTORABLE = /\\u(?:0000|[dD][89a-fA-F])|[\u0000\uD800-\uDFFF]/;

const HARDWARE_FIELDS = ['hardwareUuid', 'serialNumber', 'machineGuid', 'macAddresses', 'edr'] as const;

/**
 * A mobile client (platform ios or android) reports the MDM-asserted identity and nothing a
 * desktop agent reads from hardware: an app on a phone cannot read a serial number or MAC,
 * so such a value would be made up. Throws MOBILE_REPORT_INVALID naming what is wrong.
 */
export function checkMobileReport(report: Report): void {
  const platform = report.identity.platform;
  if (platform === undefined || !(MOBILE_PLATFORMS as readonly string[]).includes(platform)) return;
  const extra = HARDWARE_FIELDS.filter((field) => report.identity[field] !== undefined);
  if (extra.length > 0) {
    throw new ChannelError('MOBILE_REPORT_INVALID', `report: a ${platform} report must not carry ${extra.join(', ')}`);
  }
  if (report.mdmAssertion === undefined) {
    throw new ChannelError(
      'MOBILE_REPORT_INVALID',
      `report: a ${platform} report needs mdmAssertion (the MDM-asserted device ID and proof)`,
    );
  }
}

/** Parses one text frame from an agent; throws ChannelError with a stable code. */
export function parseAgentFrame(text: string): AgentMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ChannelError('MALFORMED_FRAME');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ChannelError('MALFORMED_FRAME');
  // The usual report, checked without zod (usual-report.ts): accepted only as zod would give
  // it, nested no deeper than a report is (6 levels); anything else takes the path below.
  if ((json as { type?: unknown }).type === 'report' && !MAY_HOLD_UNSTORABLE.test(text)) {
    const usual = usualReportFrame(json as Record<string, unknown>);
    if (usual) {
      checkMobileReport(usual.report);
      return usual;
    }
  }
  if (jsonDepth(json) > LIMITS.maxJsonDepth) throw new ChannelError('MALFORMED_FRAME', `nested deeper than ${LIMITS.maxJsonDepth} levels`);
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string' || !(AGENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new ChannelError('UNKNOWN_MESSAGE', `unknown message type ${JSON.stringify(type)?.slice(0, 40)}`);
  }
  // Before the schema, for every string at once: NUL or a lone surrogate cannot be stored.
  // Parsed JSON holds one only if the text does (raw, or as a \u escape): most frames skip
  // the walk over every member.
  const unstorable = MAY_HOLD_UNSTORABLE.test(text) ? firstUnstorableText(json) : null;
  if (unstorable) throw new ChannelError('INVALID_MESSAGE', `${type}: ${unstorable.path}: must not contain ${unstorable.character}`);
  const parsed = agentMessage.safeParse(json, PLAIN_ISSUES);
  if (!parsed.success) {
    const version = (json as { v?: unknown }).v;
    if ((type === 'enroll' || type === 'auth') && version !== undefined && version !== 1) {
      // JSON text, not String(): a version like {"toString":""} must not turn a 4400 into a 1011.
      throw new ChannelError('UNSUPPORTED_VERSION', `protocol version ${JSON.stringify(version).slice(0, 40)} is not supported`);
    }
    throw new ChannelError('INVALID_MESSAGE', `${type}: ${describeIssue(parsed.error)}`);
  }
  if (parsed.data.type === 'report') checkMobileReport(parsed.data.report);
  return parsed.data;
}
