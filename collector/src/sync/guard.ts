import type { Scrubber } from './kit/scrub.js';
import { scrub, scrubError } from './kit/vendor-error.js';
import type { InventorySource } from './source.js';

/**
 * The edge of the vendor layer: every message a source gives (test results, the errors of
 * a sync or a lookup) leaves with the integration's credentials scrubbed, whichever client
 * or mapper produced it. The vendor client scrubs too; this catches what it cannot know.
 */
export function guardSource(source: InventorySource, scrubber: Scrubber): InventorySource {
  const guarded: InventorySource = {
    async test(ctx) {
      try {
        const result = await source.test(ctx);
        return { ok: result.ok, message: scrub(result.message, scrubber) };
      } catch (error) {
        throw scrubError(error, scrubber);
      }
    },
    async *pages(ctx) {
      try {
        yield* source.pages(ctx);
      } catch (error) {
        throw scrubError(error, scrubber);
      }
    },
  };
  const lookup = source.lookup?.bind(source);
  if (lookup) {
    guarded.lookup = async (connectorId, ctx) => {
      try {
        return await lookup(connectorId, ctx);
      } catch (error) {
        throw scrubError(error, scrubber);
      }
    };
  }
  return guarded;
}
