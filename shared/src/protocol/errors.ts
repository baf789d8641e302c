/**
 * Stable error codes of the agent channel. Each protocol error closes the socket with
 * the matching close code, after an `error` frame that names the code.
 */
export const CHANNEL_ERRORS = {
  MALFORMED_FRAME: { close: 4400, message: 'the frame is not a valid JSON message' },
  UNKNOWN_MESSAGE: { close: 4400, message: 'unknown message type' },
  INVALID_MESSAGE: { close: 4400, message: 'the message has wrong or unknown fields' },
  UNSUPPORTED_VERSION: { close: 4400, message: 'unsupported protocol version' },
  /** An iOS or Android report carries hardware identifiers, or no MDM-asserted identity. */
  MOBILE_REPORT_INVALID: { close: 4400, message: 'a mobile report carries the MDM-asserted identity only' },
  OUT_OF_ORDER: { close: 4400, message: 'message not allowed in this state' },
  ENROLLMENT_KEY_INVALID: { close: 4401, message: 'the enrollment key is not valid' },
  ENROLLMENT_RATE_LIMITED: { close: 4429, message: 'too many enrollments from this address; retry later' },
  /** An agent sending reports or status checks far faster than any agent does: closed, and kept out until its budget refills. */
  MESSAGE_RATE_LIMITED: { close: 4429, message: 'too many reports or status checks from this agent; retry later' },
  BAD_SIGNATURE: { close: 4401, message: 'the signature does not verify' },
  ENDPOINT_UNKNOWN: { close: 4403, message: 'this endpoint is not enrolled (forgotten or never enrolled)' },
  REPLAYED: { close: 4409, message: 'the message repeats an earlier sequence number' },
  AUTH_TIMEOUT: { close: 4408, message: 'no authentication within the time limit' },
  FRAME_TOO_LARGE: { close: 1009, message: 'the frame is larger than the limit' },
  ORIGIN_REFUSED: { close: 1008, message: 'browser origins may not open the agent channel' },
  INTERNAL: { close: 1011, message: 'internal error' },
  /**
   * The collector cannot store data now (its database is read-only, full or down). 1013 is
   * WebSocket's "try again later"; the close reason says when: `UNAVAILABLE retry-after=SECONDS`.
   */
  UNAVAILABLE: { close: 1013, message: 'the collector cannot store reports right now' },
} as const;
export type ChannelErrorCode = keyof typeof CHANNEL_ERRORS;

/** The close reason of an UNAVAILABLE close, carrying the delay the agent must wait. */
export function unavailableCloseReason(retryAfterSec: number): string {
  return `UNAVAILABLE retry-after=${Math.max(1, Math.round(retryAfterSec))}`;
}

/** The delay (seconds) in an UNAVAILABLE close reason, or null for any other reason. */
export function retryAfterOf(closeReason: string): number | null {
  const match = /^UNAVAILABLE retry-after=(\d{1,6})$/.exec(closeReason);
  return match ? Number(match[1]) : null;
}

/** Non-fatal answers to a request inside an authenticated session (the socket stays open). */
export const REQUEST_ERRORS = [
  'TRANSACTION_UNKNOWN',
  'TRANSACTION_EXPIRED',
  'TRANSACTION_DECIDED',
  'NO_REPORT',
  /** A describe answer would carry a control or bidi character (a row older than the edge checks). */
  'TRANSACTION_UNSAFE',
  'RATE_LIMITED',
] as const;
export type RequestErrorCode = (typeof REQUEST_ERRORS)[number];

export class ChannelError extends Error {
  readonly code: ChannelErrorCode | RequestErrorCode;
  constructor(code: ChannelErrorCode | RequestErrorCode, message?: string) {
    super(message ?? (code in CHANNEL_ERRORS ? CHANNEL_ERRORS[code as ChannelErrorCode].message : code));
    this.name = 'ChannelError';
    this.code = code;
  }
}
