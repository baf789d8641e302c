import type { Knex } from 'knex';
import { atomically, lockForUpdate } from '../atomic.js';

/** Small key/value settings: enrollment key hash, global policy, OIDC keys. */
export class SettingsRepo {
  constructor(private readonly db: Knex) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db('settings').where({ key }).first('value');
    return row ? (row.value as string) : null;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db('settings').insert({ key, value }).onConflict('key').merge();
  }

  /** Sets a value only when none is stored; returns the stored value either way. */
  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db('settings').insert({ key, value }).onConflict('key').ignore();
    return (await this.get(key)) ?? value;
  }

  /**
   * Read-modify-write of one value: `change` gets the stored value (null when none) and
   * returns the new one; concurrent updates of the same key apply one after the other.
   */
  async update(key: string, change: (current: string | null) => string): Promise<string> {
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
        if (!row) throw new Error(`setting ${key} vanished during an update`);
      }
      const value = change(row.value);
      await trx('settings').where({ key }).update({ value });
      return value;
    });
  }
}
