import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'vitest';
import { describeKind } from '@devtrust/collector/sync/catalogue';
import { KINDS, sourceKinds } from '@devtrust/collector/sync/registry';
import type { AnySourceKind, ConfigField } from '@devtrust/collector/sync/source';

const SYNC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/sync');
/** Folders under sync/ that are not inventory sources. */
const NOT_VENDORS = new Set(['kit']);

function vendorFolders(): string[] {
  return readdirSync(SYNC_DIR)
    .filter((name) => statSync(path.join(SYNC_DIR, name)).isDirectory() && !NOT_VENDORS.has(name))
    .sort();
}

const SAMPLES: Record<ConfigField['type'], unknown> = {
  text: 'sample-value',
  url: 'https://vendor.example.com',
  number: 1,
  boolean: true,
};

function sample(kind: AnySourceKind, names: readonly string[]): Record<string, unknown> {
  const fields = new Map(kind.form.fields.map((f) => [f.name, f]));
  return Object.fromEntries(names.map((name) => [name, SAMPLES[(fields.get(name) as ConfigField).type]]));
}

describe('the vendor registry', () => {
  it('lists exactly the vendor folders under sync/, each kind named after its folder', async () => {
    assert.deepEqual([...sourceKinds()].sort(), vendorFolders(), 'a vendor folder is missing from sync/registry.ts, or the reverse');
    for (const folder of vendorFolders()) {
      const exports = Object.values(
        (await import(/* @vite-ignore */ pathToFileURL(path.join(SYNC_DIR, folder, 'kind.ts')).href)) as Record<string, unknown>,
      );
      const registered = KINDS.find((k) => k.kind === folder);
      assert.ok(registered && exports.includes(registered), `sync/${folder}/kind.ts does not export the kind registered as "${folder}"`);
    }
  });

  for (const kind of KINDS) {
    describe(`${kind.kind}: the form the API describes agrees with the config schema`, () => {
      const described = describeKind(kind);
      const names = new Set(kind.form.fields.map((f) => f.name));

      it('declares every secret and host field, and every field of the schema', () => {
        for (const field of [...kind.secretFields, ...kind.hostFields]) assert.ok(names.has(field), `${field} has no form entry`);
        const shape = (kind.configSchema as { shape?: Record<string, unknown> }).shape;
        if (shape) assert.deepEqual(Object.keys(shape).sort(), [...names].sort());
        assert.equal(names.size, kind.form.fields.length, 'a field is declared twice');
      });

      for (const variant of described.variants) {
        it(`variant ${variant.id}: its fields are accepted, and each required one is needed`, () => {
          for (const name of variant.fields) assert.ok(names.has(name), `variant ${variant.id} names an undeclared field ${name}`);
          const required = variant.fields.filter((name) => described.fields.find((f) => f.name === name)?.required);
          const all = sample(kind, variant.fields);
          const parsed = kind.configSchema.safeParse(all);
          assert.ok(parsed.success, `${JSON.stringify(all)}: ${parsed.error?.message}`);
          assert.ok(kind.configSchema.safeParse(sample(kind, required)).success, 'the required fields alone are refused');
          for (const name of required) {
            const without = sample(
              kind,
              required.filter((n) => n !== name),
            );
            assert.equal(kind.configSchema.safeParse(without).success, false, `accepted without the required ${name}`);
          }
          const advanced = described.fields.filter((f) => f.advanced).map((f) => f.name);
          assert.ok(kind.configSchema.safeParse({ ...all, ...sample(kind, advanced) }).success, 'an advanced field is refused');
        });
      }
    });
  }
});
