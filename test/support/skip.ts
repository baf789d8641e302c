import { describe, it } from 'vitest';

/**
 * Suites and tests that need something this machine may lack (PostgreSQL, Chromium, wixl, root)
 * take a reason instead of a flag: skipped, they say why in their name, so a green run that
 * skipped PostgreSQL cannot pass for one that tested it.
 */
export type SkipReason = string | false;

export function describeUnless(skip: SkipReason): (name: string, fn: () => void) => void {
  return (name, fn) => (skip ? describe.skip(`${name} [skipped: ${skip}]`, fn) : describe(name, fn));
}

export function itUnless(skip: SkipReason): (name: string, fn: () => unknown) => void {
  return (name, fn) => (skip ? it.skip(`${name} [skipped: ${skip}]`, fn) : it(name, fn));
}
