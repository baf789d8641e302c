import { VendorError } from './vendor-error.js';

/**
 * The most bytes one vendor answer may hold. The largest legitimate page is a few MB: Kandji
 * sends 300 devices a page, Intune, Jamf Pro, Workspace ONE and MobileIron at most 1,000 to
 * 2,000 records of a few KB each, the EDRs 500 to 1,000 hosts (8 MB at 4 KB a record), so it
 * fits many times under 64 MiB. A body is held whole while it is parsed (bytes, then text,
 * then objects, several times its size), so a bound here bounds the collector's memory: a
 * vendor answering 400 MB for one page took it from 120 MB to 2.6 GB.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** "64 MiB", "1.5 KiB", "512 bytes". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * The answer was larger than `MAX_ANSWER_BYTES`. Not retryable: a retry would read it again.
 * The request is named by method and path only; a query may carry a token or a cursor.
 */
export function answerTooLarge(vendor: string, method: string, url: URL, maxBytes: number): VendorError {
  return new VendorError(
    'VENDOR_ANSWER_TOO_LARGE',
    `${vendor} answered more than ${formatBytes(maxBytes)} to ${method.toUpperCase()} ${url.pathname}; ` +
      'the sync stopped reading it (no page of a real inventory is this large: check the base URL)',
  );
}

/**
 * Reads a body, counting bytes as they arrive; past `maxBytes` it stops reading and calls
 * `tooLarge` (which aborts the request) instead of holding the rest. A declared
 * Content-Length over the cap fails before any byte is read.
 */
export async function readCapped(response: Response, maxBytes: number, tooLarge: () => VendorError): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
