import { z } from 'zod';
import { isUsablePublicKey } from '../crypto/device-key.js';
import { deviceIdentitySchema, postureSchema } from '../identity/device.js';
import { displaySafeString, machineSafeString } from '../identity/display-text.js';
import { MDM_DEVICE_ID_PATTERN } from '../identity/mdm-device-id.js';
import { REQUEST_ERRORS } from './errors.js';
import { KEY_KINDS } from './key-kinds.js';
import { LIMITS, PROTOCOL_VERSION } from './limits.js';

/**
 * The agent ↔ collector protocol: JSON text frames with a `type`. Every message the
 * agent sends after `hello` is signed with its device key over the canonical encoding
 * of its signed payload (see signedPayloadOf), which binds the session nonce, so a
 * frame recorded in one session is refused in any other. A report may instead carry a MAC
 * made with the session's key (crypto/session-mac.ts), agreed through the signed `auth` or
 * `enroll`; attestations are always signed with the device key.
 */

const id = z.string().min(1).max(64);
const signature = z.string().min(1).max(200);
/** An X25519 public key for the session MAC (crypto/session-mac.ts): base64url of 32 bytes. */
const sessionKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url X25519 public key (32 bytes)');
const mac = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url HMAC-SHA256');
/**
 * A device's public key, spelled one way only: the last character of base64url carries 2 bits
 * past the key's bytes, which must be zero (otherwise four spellings decode to one key, and
 * endpoints are unique by the stored spelling: one key could enroll as four endpoints). Keys
 * no device makes (an Ed25519 point of small order) are refused here, at enrollment.
 */
const publicKey = z
  .string()
  .regex(
    /^([A-Za-z0-9_-]{42}|[A-Za-z0-9_-]{86})[AEIMQUYcgkosw048]$/,
    'base64url Ed25519 public key (32 bytes) or P-256 point (65 bytes), canonically encoded',
  )
  .refine(isUsablePublicKey, 'not a usable device key (an Ed25519 point of small order, or a P-256 point off the curve)');

/**
 * Identifiers are shown too (findings, cautions, the console, devtrustctl's tables), so they are
 * display-safe like hostnames: an agent's serial number must not carry a terminal escape or a
 * bidi override into an admin's screen. No machine's firmware reports such a value. Machine text
 * (no joiners or variation selectors either, unsafe-text.ts), as the hostname is.
 */
const identifier = machineSafeString(LIMITS.maxIdentifierLength);

/** What an agent may report: the identity with identifiers and hostname held to LIMITS. */
const reportedIdentitySchema = deviceIdentitySchema.extend({
  hardwareUuid: identifier.optional(),
  serialNumber: identifier.optional(),
  machineGuid: identifier.optional(),
  hostname: machineSafeString(LIMITS.maxHostnameLength).optional(),
  macAddresses: z.array(identifier).max(64).optional(),
});

/**
 * The MDM-asserted identity: the device ID the MDM pushed into managed configuration, and
 * the proof that the device also holds the integration's configuration key (see
 * crypto/mdm-assertion.ts). The key itself is never sent.
 */
export const mdmAssertionSchema = z.strictObject({
  deviceId: z.string().regex(MDM_DEVICE_ID_PATTERN, '1-256 printable ASCII characters, no spaces'),
  proof: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url HMAC-SHA256'),
});
export type MdmAssertion = z.infer<typeof mdmAssertionSchema>;

/** Platforms whose client reports the MDM-asserted identity only (no agent reads hardware there). */
export const MOBILE_PLATFORMS = ['ios', 'android'] as const;

export const reportSchema = z.strictObject({
  agentVersion: displaySafeString(64),
  collectedAt: displaySafeString(40),
  identity: reportedIdentitySchema,
  posture: postureSchema.optional(),
  /** Reasons a probe returned no value, by probe name (e.g. serialNumber: "needs root"). */
  probeErrors: z.record(displaySafeString(64), displaySafeString(256)).optional(),
  /** The signed-in user as the OS names it; display text like every username. */
  user: displaySafeString(256).optional(),
  /** Present when managed configuration holds a trusted endpoint identifier and key. */
  mdmAssertion: mdmAssertionSchema.optional(),
});
export type Report = z.infer<typeof reportSchema>;

// --- agent → collector -------------------------------------------------------------

export const enrollMessage = z
  .strictObject({
    type: z.literal('enroll'),
    v: z.literal(PROTOCOL_VERSION),
    enrollmentKey: z.string().min(1).max(200),
    publicKey,
    /** Absent from agents before key kinds: software. Signed with the rest of the message. */
    keyKind: z.enum(KEY_KINDS).optional(),
    /** The agent's offer of a session MAC key; signed with the rest. Absent: every report is signed. */
    sessionKey: sessionKey.optional(),
    signature,
  })
  .refine((m) => m.keyKind === undefined || m.keyKind === 'software' || m.publicKey.length === 87, {
    message: 'a Secure Enclave or TPM key is a P-256 key',
    path: ['keyKind'],
  });
export const authMessage = z.strictObject({
  type: z.literal('auth'),
  v: z.literal(PROTOCOL_VERSION),
  endpointId: id,
  /** As in enroll. */
  sessionKey: sessionKey.optional(),
  signature,
});
/** Signed with the device key, or MAC'd with the session key: exactly one of the two. */
export const reportMessage = z
  .strictObject({
    type: z.literal('report'),
    seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    report: reportSchema,
    signature: signature.optional(),
    mac: mac.optional(),
  })
  .refine((m) => (m.signature === undefined) !== (m.mac === undefined), {
    message: 'a report carries a signature or a session MAC, one of the two',
    path: ['signature'],
  });
export const attestMessage = z.strictObject({
  type: z.literal('attest'),
  transactionId: id,
  signature,
});

/**
 * Asks who a transaction is for before attesting it. The tray does this for
 * `devtrust://` links, which any web page can open: the user confirms the application
 * and account, so a link to someone else's sign-in is not attested blindly.
 */
export const describeMessage = z.strictObject({
  type: z.literal('describe'),
  transactionId: id,
  signature,
});

/**
 * Asks whether this device is trusted now under the collector's global policy, judged
 * from its latest report (`devtrust-agent --once` prints the answer, a `standing`).
 */
export const checkMessage = z.strictObject({
  type: z.literal('check'),
  signature,
});

export const agentMessage = z.discriminatedUnion('type', [
  enrollMessage,
  authMessage,
  reportMessage,
  attestMessage,
  describeMessage,
  checkMessage,
]);
export type AgentMessage = z.infer<typeof agentMessage>;
export type EnrollMessage = z.infer<typeof enrollMessage>;
export type AuthMessage = z.infer<typeof authMessage>;
export type ReportMessage = z.infer<typeof reportMessage>;
export type AttestMessage = z.infer<typeof attestMessage>;
export type DescribeMessage = z.infer<typeof describeMessage>;
export type CheckMessage = z.infer<typeof checkMessage>;
export const AGENT_MESSAGE_TYPES = ['enroll', 'auth', 'report', 'attest', 'describe', 'check'] as const;
/** A message before it is signed (the union member by member, less `signature` and `mac`). */
export type UnsignedAgentMessage = AgentMessage extends infer M ? (M extends AgentMessage ? Omit<M, 'signature' | 'mac'> : never) : never;

// --- collector → agent -------------------------------------------------------------

export const verdictSchema = z.strictObject({
  transactionId: id,
  verdict: z.enum(['trusted', 'untrusted']),
  access: z.enum(['allow', 'deny']),
  reasons: z.array(z.string().max(1000)).max(64),
  /** How a trusted device was identified: by its MDM-asserted identity or by hardware identifiers. */
  assurance: z.enum(['mdm_asserted', 'identifiers']).nullable().optional(),
});
export type VerdictMessage = z.infer<typeof verdictSchema>;

export const transactionInfoSchema = z.strictObject({
  transactionId: id,
  application: z.string().max(200),
  username: z.string().max(256),
  expiresAt: z.string().max(40),
});
export type TransactionInfo = z.infer<typeof transactionInfoSchema>;

/** The answer to `check`: the verdict a sign-in under the global policy would get now, and why. */
export const standingSchema = verdictSchema.omit({ transactionId: true });
export type Standing = z.infer<typeof standingSchema>;

export const serverMessage = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    v: z.literal(PROTOCOL_VERSION),
    nonce: z.string(),
    maxFrameBytes: z.number(),
  }),
  z.strictObject({ type: z.literal('enrolled'), endpointId: id }),
  z.strictObject({
    type: z.literal('authenticated'),
    endpointId: id,
    lastSeq: z.number().int().nonnegative(),
    reportIntervalSec: z.number(),
    /** The collector's answer to the agent's sessionKey offer; only when it offered one. */
    sessionKey: sessionKey.optional(),
  }),
  z.strictObject({ type: z.literal('ack'), seq: z.number().int() }),
  verdictSchema.extend({ type: z.literal('verdict') }),
  transactionInfoSchema.extend({ type: z.literal('transaction') }),
  standingSchema.extend({ type: z.literal('standing') }),
  z.strictObject({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    transactionId: id.optional(),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessage>;
export const REQUEST_ERROR_CODES: readonly string[] = REQUEST_ERRORS;
