import { z } from 'zod';
import type { SourceDevice, TestResult } from '../source.js';
import { VendorError } from './vendor-error.js';

/**
 * Building blocks every vendor source shares: config fields, reading loosely-typed vendor
 * records, the "Test Configuration" wrapper and page de-duplication.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A vendor URL, for every kind (MDM and EDR alike): https, or plain http on loopback only
 * (tests, local proxies); no user name or password in it (credentials have their own,
 * sealed fields and must never sit in a public one); no query or fragment.
 */
export const vendorUrl = z
  .string()
  .trim()
  .max(500)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
      return;
    }
    const problem =
      url.protocol !== 'https:' && url.protocol !== 'http:'
        ? 'must be an http(s) URL'
        : url.username !== '' || url.password !== ''
          ? 'must not carry a user name or password (user:password@host); credentials go in their own fields'
          : url.search !== '' || url.hash !== ''
            ? 'must not have a query or fragment'
            : url.protocol === 'http:' && !LOOPBACK.has(url.hostname)
              ? 'must use https (plain http only on loopback)'
              : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const credential = z.string().trim().min(1).max(4096);

/** An optional page size an admin may lower when the vendor times out on large pages. */
export function pageSizeField(max: number) {
  return z.number().int().min(1).max(max).optional();
}

/** The vendor's string or number as text; null for anything else or blank. */
export function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** A list the vendor must have sent; anything else is a broken answer, not an empty inventory. */
export function requireArray<T>(value: unknown, vendor: string, what: string): T[] {
  if (!Array.isArray(value)) throw new VendorError('VENDOR_BAD_RESPONSE', `${vendor} answered without ${what}`);
  return value as T[];
}

/** Runs the one authenticated call behind "Test Configuration"; vendor failures become {ok: false}. */
export async function vendorTest(call: () => Promise<string>): Promise<TestResult> {
  try {
    return { ok: true, message: await call() };
  } catch (error) {
    if (error instanceof VendorError) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * Offset and page-number paging over a list that changes during the sync shifts records
 * across page boundaries: a device added ahead of the cursor repeats the previous page's
 * last records on the next page. A repeated record would look like a duplicate identifier
 * (flagged, never trusted), so records the previous page held are dropped. Only one page
 * is remembered, so memory stays flat whatever the inventory size.
 */
export class AdjacentPageDeduper {
  private previous = new Set<string>();

  take(page: SourceDevice[]): SourceDevice[] {
    const seen = new Set<string>();
    const kept = page.filter((device) => {
      const id = device.externalId;
      if (!id) return true;
      if (this.previous.has(id) || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    this.previous = seen;
    return kept;
  }
}

/** Maps each raw vendor page with a pure mapper and drops records repeated across pages. */
export async function* mappedPages<T>(raw: AsyncIterable<T[]>, map: (record: T) => SourceDevice): AsyncGenerator<SourceDevice[]> {
  const dedupe = new AdjacentPageDeduper();
  for await (const page of raw) yield dedupe.take(page.map(map));
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
