/**
 * Asks the source for its next page as soon as the current one is handed out, so a sync
 * reads page n+1 from the vendor while it writes page n to the database, instead of
 * waiting for each in turn. One page is read ahead, never more: memory stays flat.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const pages = source[Symbol.asyncIterator]();
  let next = pages.next();
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done) {
        finished = true;
        return;
      }
      next = pages.next();
      // Its failure is met when it is awaited above; until then it must not count as unhandled.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    // The consumer stopped early (a failed write, a cancel): let the source end too. Not
    // awaited: the page being read may wait on a vendor that does not answer.
    if (!finished) void pages.return?.()?.catch(() => undefined);
  }
}
