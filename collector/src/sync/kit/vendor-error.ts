import { Scrubber } from './scrub.js';

/**
 * A vendor API failure, with a message an admin can act on ("401 from Jamf Pro: check
 * the client secret"). Messages never include credentials: callers pass their secret
 * values to `scrub` and the vendor's own text is scrubbed and truncated.
 */
export type VendorErrorCode =
  | 'VENDOR_AUTH_FAILED'
  | 'VENDOR_FORBIDDEN'
  | 'VENDOR_NOT_FOUND'
  | 'VENDOR_RATE_LIMITED'
  | 'VENDOR_UNAVAILABLE'
  | 'VENDOR_TIMEOUT'
  | 'VENDOR_UNREACHABLE'
  | 'VENDOR_BAD_RESPONSE'
  | 'VENDOR_REQUEST_REJECTED'
  /** One answer was larger than the cap (kit/answer-cap.ts); the request is not retried. */
  | 'VENDOR_ANSWER_TOO_LARGE'
  /** A run read more pages than any real inventory needs (sync-limits.ts): the vendor's pages do not end. */
  | 'VENDOR_TOO_MANY_PAGES'
  /** A run listed more devices than any real fleet holds (sync-limits.ts). */
  | 'VENDOR_TOO_MANY_DEVICES'
  /** The vendor sent the same page twice in a row (kit/pages.ts): its paging loops. */
  | 'VENDOR_PAGING_LOOP'
  /** The vendor listed no devices where the last good inventory has some: it is kept. */
  | 'VENDOR_EMPTY_INVENTORY'
  /** The vendor listed far fewer devices than the last good inventory (over `maxInventoryDropPercent`): it is kept. */
  | 'VENDOR_INVENTORY_DROP'
  | 'CANCELLED';

export class VendorError extends Error {
  readonly code: VendorErrorCode;
  readonly status: number | null;
  /** Whether trying again later may succeed (5xx, 429, timeouts, network). */
  readonly retryable: boolean;
  constructor(code: VendorErrorCode, message: string, options: { status?: number | null; retryable?: boolean } = {}) {
    super(message);
    this.name = 'VendorError';
    this.code = code;
    this.status = options.status ?? null;
    this.retryable = options.retryable ?? false;
  }
}

/** The text without any form of the secrets (see scrub.ts), on one line and bounded. */
export function scrub(text: string, secrets: readonly string[] | Scrubber): string {
  const scrubber = secrets instanceof Scrubber ? secrets : new Scrubber(secrets);
  return scrubber.clean(scrubber.clean(text).replace(/\s+/g, ' ').trim()).slice(0, 300);
}

/** The same error with its message scrubbed; anything else unchanged. */
export function scrubError(error: unknown, scrubber: Scrubber): unknown {
  if (!(error instanceof VendorError)) return error;
  const message = scrub(error.message, scrubber);
  if (message === error.message) return error;
  return new VendorError(error.code, message, { status: error.status, retryable: error.retryable });
}

const HINTS: Record<number, string> = {
  401: 'check the credentials',
  403: 'the credentials lack the required API permissions',
  404: 'check the base URL',
};

/** "401 from Jamf Pro: check the client secret (Unauthorized)" */
export function describeStatus(vendor: string, status: number, vendorText: string, hint?: string): string {
  const advice = hint ?? HINTS[status];
  const detail = vendorText === '' ? '' : ` (${vendorText})`;
  return `${status} from ${vendor}${advice ? `: ${advice}` : ''}${detail}`;
}
