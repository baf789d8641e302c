import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { CommandLineError, parseCommandLine, type FlagSpecs } from '@devtrust/shared/cli/command-line';

const FLAGS = {
  collector: { type: 'string' },
  previous: { type: 'string', multiple: true },
  once: { type: 'boolean' },
} as const satisfies FlagSpecs;

describe('parseCommandLine: a flag given more than once', () => {
  it('collects every value of a multiple flag, in order, in both spellings', () => {
    const { values, lists } = parseCommandLine(['--previous', 'a', '--collector', 'c', '--previous=b', '--once'], FLAGS);
    assert.deepEqual(lists, { previous: ['a', 'b'] });
    assert.deepEqual(values, { collector: 'c', once: true });
  });

  it('a multiple flag never given is absent; one without its value is refused as any other', () => {
    assert.deepEqual(parseCommandLine(['--collector', 'c'], FLAGS).lists, {});
    assert.throws(
      () => parseCommandLine(['--previous', '--once'], FLAGS),
      (error: unknown) => error instanceof CommandLineError && error.message === '--previous needs a value',
    );
  });

  it('a flag that is not multiple keeps its last value, as before', () => {
    assert.deepEqual(parseCommandLine(['--collector', 'a', '--collector', 'b'], FLAGS).values, { collector: 'b' });
  });
});
