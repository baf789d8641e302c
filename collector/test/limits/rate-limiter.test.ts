import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { RateLimiter, TooManyRequests } from '@devtrust/collector/limits/rate-limiter';
import { displayText, unsafeCharacter } from '@devtrust/shared/identity';

describe('RateLimiter', () => {
  it('allows the limit per window, then refuses with the time until the oldest event leaves', () => {
    const limiter = new RateLimiter({ limit: 3, windowMs: 1000 });
    for (const at of [0, 100, 200]) assert.deepEqual(limiter.take('a', at), { ok: true });
    assert.deepEqual(limiter.take('a', 300), { ok: false, retryAfterMs: 700 });
    assert.deepEqual(limiter.take('b', 300), { ok: true }, 'keys are independent');
    assert.deepEqual(limiter.take('a', 1001), { ok: true }, 'the first event has left the window');
  });

  it('forgets the least recently used keys past maxKeys', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2 });
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 0);
    assert.deepEqual(limiter.take('a', 1), { ok: true }, 'a was forgotten');
    assert.equal(limiter.take('c', 1).ok, false);
  });

  it('consume() throws a 429 with a whole-second Retry-After', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 2500 });
    limiter.consume('x', 'sign-ins', 0);
    assert.throws(
      () => limiter.consume('x', 'sign-ins', 1),
      (error: unknown) => error instanceof TooManyRequests && error.status === 429 && error.retryAfterSeconds === 3,
    );
  });
});

describe('display text', () => {
  it('refuses control, bidi and separator characters and names the first one', () => {
    for (const [text, found] of [
      ['alice\nsecurity update', 'U+000A'],
      ['alice\u202egpj.exe', 'U+202E'],
      ['a\u2066b', 'U+2066'],
      ['a\u200fb', 'U+200F'],
      ['a\u2028b', 'U+2028'],
      ['a\u0000', 'U+0000'],
      ['a\u009b', 'U+009B'],
    ] as const) {
      assert.equal(unsafeCharacter(text), found, JSON.stringify(text));
      assert.equal(displayText(100).safeParse(text).success, false);
    }
  });

  it('accepts ordinary names in any script, trimmed', () => {
    for (const text of ['alice@example.com', 'Zoë Ødegård', '山田太郎', 'MacBook Pro (2)', 'שלום'])
      assert.equal(unsafeCharacter(text), null, text);
    assert.equal(displayText(100).parse('  Payroll  '), 'Payroll');
    assert.equal(displayText(5).safeParse('toolong').success, false);
  });
});
