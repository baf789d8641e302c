import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { CONFIG_VARIABLES } from '@devtrust/collector/config/config';
import { ROOT } from '../support/bin.js';

/** An admin configures the collector from docs/configuration.md: every variable the code reads is there. */
describe('docs/configuration.md', () => {
  it('documents every collector variable, in its table', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    const documented = new Set(
      [...doc.matchAll(/^\| `(DEVTRUST_[A-Z_]+)`(?:, `(DEVTRUST_[A-Z_]+)`)?/gm)].flatMap((m) => m.slice(1).filter(Boolean)),
    );
    const missing = Object.keys(CONFIG_VARIABLES).filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], `variables the collector reads but docs/configuration.md does not list: ${missing.join(', ')}`);
  });
});
