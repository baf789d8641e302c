import type { Knex } from 'knex';

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
}
