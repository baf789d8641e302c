/**
 * What the agent logs when a page of another origin calls its loopback door. Pointing every such
 * page at "moving agents to a new URL" misled: a local dev server (http://127.0.0.1:3000) or any
 * site probing loopback ports is no collector that moved. That hint is given only for an origin
 * the move is about: an earlier URL of this collector (previousCollectorUrls, its public URL not
 * switched yet or switched back), or the collector's own host under another scheme or port
 * (`http://host:8700` to `https://host`). Not a sibling or parent domain: without the public
 * suffix list `evil.co.uk` is a sibling of `devtrust.co.uk` and `evil.github.io` of
 * `acme.github.io`, and the hint would invite an admin to point agents at an attacker's site.
 * Loopback pages are never a move: anything local may run there.
 */
export function refusedOriginMessage(shown: string, origin: string, collectorOrigin: string, previousOrigins: readonly string[]): string {
  if (previousOrigins.includes(origin)) {
    return `a page of ${shown} asked for an attestation; this agent answers only pages of ${collectorOrigin}, and ${shown} is an earlier URL of it (previousCollectorUrls): the collector's DEVTRUST_PUBLIC_URL should be ${collectorOrigin} (see docs/agent.md: moving agents to a new URL)`;
  }
  if (mayBeMovedCollector(origin, collectorOrigin)) {
    return `a page of ${shown} asked for an attestation; this agent answers only pages of ${collectorOrigin} (if the collector moved to ${shown}, see docs/agent.md: moving agents to a new URL)`;
  }
  return `a page of ${shown} called this agent's loopback door and was refused: only the collector's sign-in page (pages of ${collectorOrigin}) may ask for an attestation`;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

function mayBeMovedCollector(origin: string, collectorOrigin: string): boolean {
  let page: string;
  let collector: string;
  try {
    page = new URL(origin).hostname.toLowerCase();
    collector = new URL(collectorOrigin).hostname.toLowerCase();
  } catch {
    return false; // an Origin header that is no URL: not a page of any collector
  }
  if (LOOPBACK.test(page) || LOOPBACK.test(collector)) return false;
  return page === collector;
}
