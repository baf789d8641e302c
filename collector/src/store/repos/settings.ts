import type { Knex } from 'knex';
import { atomically, lockForUpdate } from '../atomic.js';
import type { SettingRow } from '../rows.js';

/** The settings there are, by name, and the key each is stored under. */
const KEYS = {
  enrollmentKeyHash: 'enrollment_key_hash',
  globalPolicy: 'global_policy',
  /** Identifies the master key that sealed this database's secrets (keys/master-key.ts), never the key itself. */
  masterKeyCheck: 'master_key.check',
  /** Overwritten by every readiness probe: proof the database accepts a write. */
  readyProbe: 'health.ready_probe',
} as const;
export type Setting = keyof typeof KEYS;

/** Small named settings (the enrollment key's hash, the global policy's JSON), stored as text. */
export class SettingsRepo {
  constructor(private readonly db: Knex) {}

  async get(setting: Setting): Promise<string | null> {
    const key = KEYS[setting];
    const row = await this.db<SettingRow>('settings').where({ key }).first('value');
    return row ? row.value : null;
  }

  async set(setting: Setting, value: string): Promise<void> {
    const key = KEYS[setting];
    await this.db('settings').insert({ key, value }).onConflict('key').merge();
  }

  /** Sets a value only when none is stored; returns the stored value either way. */
  async setIfAbsent(setting: Setting, value: string): Promise<string> {
    await this.db('settings').insert({ key: KEYS[setting], value }).onConflict('key').ignore();
    return (await this.get(setting)) ?? value;
  }

  /**
   * Read-modify-write of one value: `change` gets the stored value (null when none) and
   * returns the new one; concurrent updates of the same key apply one after the other.
   */
  async update(setting: Setting, change: (current: string | null) => string): Promise<string> {
    const key = KEYS[setting];
    return atomically(this.db, async (trx) => {
      const read = async () => (await lockForUpdate(trx, trx('settings').where({ key }).first('value'))) as { value: string } | undefined;
      let row = await read();
      if (!row) {
        const value = change(null);
        // Two first writers race on the insert: the loser waits for the winner's commit,
        // inserts nothing and reads (and locks) the winner's row instead.
        const inserted = await trx('settings').insert({ key, value }).onConflict('key').ignore().returning('key');
        if (inserted.length > 0) return value;
        row = await read();
        if (!row) throw new Error(`setting ${setting} vanished during an update`);
      }
      const value = change(row.value);
      await trx('settings').where({ key }).update({ value });
      return value;
    });
  }
}
