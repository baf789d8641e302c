import { PROTOCOL_VERSION } from './limits.js';
import type { ServerMessage } from './messages.js';

/**
 * What the agent accepts from the collector, checked without zod. `serverMessage` in
 * messages.ts is the same contract as a zod schema; the agent does not load zod at all
 * (about 95 modules and 7 MB of its resident memory, docs/performance.md), so its frames
 * are checked here, and shared/test/server-frame.test.ts holds this check to the schema:
 * both must accept and refuse the same frames.
 */

type Check = (value: unknown) => boolean;

/** A field the frame must have, or (optional) may leave out. */
interface Field {
  check: Check;
  optional?: true;
}

const text =
  (max = Infinity, min = 0): Check =>
  (value) =>
    typeof value === 'string' && value.length >= min && value.length <= max;
const id = text(64, 1);
const finite: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const safeInteger: Check = (value) => Number.isSafeInteger(value);
const oneOf =
  (...allowed: readonly unknown[]): Check =>
  (value) =>
    allowed.includes(value);
const listOf =
  (item: Check, max: number): Check =>
  (value) =>
    Array.isArray(value) && value.length <= max && value.every(item);

const required = (check: Check): Field => ({ check });
const optional = (check: Check): Field => ({ check, optional: true });

const standingFields = {
  verdict: required(oneOf('trusted', 'untrusted')),
  access: required(oneOf('allow', 'deny')),
  reasons: required(listOf(text(1000), 64)),
  assurance: optional(oneOf('mdm_asserted', 'identifiers', null)),
};

const FRAMES: Record<ServerMessage['type'], Record<string, Field>> = {
  hello: { v: required(oneOf(PROTOCOL_VERSION)), nonce: required(text()), maxFrameBytes: required(finite) },
  enrolled: { endpointId: required(id) },
  authenticated: {
    endpointId: required(id),
    lastSeq: required((value) => safeInteger(value) && (value as number) >= 0),
    reportIntervalSec: required(finite),
    sessionKey: optional((value) => typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value)),
  },
  ack: { seq: required(safeInteger) },
  verdict: { transactionId: required(id), ...standingFields },
  transaction: {
    transactionId: required(id),
    application: required(text(200)),
    username: required(text(256)),
    expiresAt: required(text(40)),
  },
  standing: standingFields,
  error: { code: required(text()), message: required(text()), transactionId: optional(id) },
};

function isFrameType(type: unknown): type is ServerMessage['type'] {
  return typeof type === 'string' && Object.hasOwn(FRAMES, type);
}

/** A parsed JSON value as a message from the collector, or null when it is not one (unknown type, field or value). */
export function asServerMessage(value: unknown): ServerMessage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const frame = value as Record<string, unknown>;
  if (!isFrameType(frame.type)) return null;
  const fields = FRAMES[frame.type];
  for (const key of Object.keys(frame)) if (key !== 'type' && !Object.hasOwn(fields, key)) return null;
  for (const [key, field] of Object.entries(fields)) {
    const present = Object.hasOwn(frame, key) ? frame[key] : undefined;
    if (present === undefined ? !field.optional : !field.check(present)) return null;
  }
  return frame as ServerMessage;
}

/** One text frame from the collector, or null when it is not JSON or not a message this agent knows. */
export function parseServerFrame(text: string): ServerMessage | null {
  try {
    return asServerMessage(JSON.parse(text));
  } catch {
    return null;
  }
}
