import { checkedCollectorUrl } from '@devtrust/shared/protocol/collector-address';
import { withoutSecrets } from '@devtrust/shared/protocol/url-secrets';

/**
 * Collector URLs: how the agent reads the configured one and how it tells whether two of them
 * reach the same collector. The agent only ever uses a collector URL's origin: its session
 * goes to ORIGIN/agent/v1 and its loopback door answers pages of that origin. So two URLs with
 * one origin are one collector, whatever their spelling (`HTTP://Trust.Example.com:80/` and
 * `http://trust.example.com`), and an enrollment is tied to the origin, not to the text.
 * What a collector URL and an earlier one may hold is shared with the installers
 * (shared/src/protocol/collector-address.ts); config.ts turns its CollectorUrlError into its
 * AgentConfigError.
 */

/**
 * The configured collector URL: any http(s) URL without credentials, a query or a fragment
 * (checkedCollectorUrl refuses them), its trailing slashes dropped. The agent only ever uses its
 * origin, so one with a path (a copied console link) is taken as its origin, and `dropped` says so for a warning: refusing
 * it would stop every agent of a fleet for a setting that works.
 */
export function parseCollectorUrl(value: string): { url: string; dropped: string | null } {
  const url = checkedCollectorUrl(value);
  if (/^\/*$/.test(url.pathname) && url.search === '' && url.hash === '') return { url: value.trim().replace(/\/+$/, ''), dropped: null };
  return {
    url: url.origin,
    dropped: `"${withoutSecrets(value.trim())}" is more than a collector's address: the agent uses ${url.origin} (only the address counts; give it without a path)`,
  };
}

/** The collector a URL reaches (its origin, in canonical form), or null for text that is not an http(s) URL. */
export function collectorAddress(url: string | null): string | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** Whether two collector URLs reach the same collector (see the file comment). */
export function sameCollector(a: string | null, b: string | null): boolean {
  const left = collectorAddress(a);
  return left !== null && left === collectorAddress(b);
}

/** A list setting given as text (an environment variable, a single managed string): URLs split at commas and blanks. */
export function splitUrlList(text: string): string[] {
  return text.split(/[\s,]+/).filter((part) => part !== '');
}
