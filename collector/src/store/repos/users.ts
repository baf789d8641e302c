import type { Knex } from 'knex';
import { chunks } from '../in-lists.js';
import { fromJson, toJson } from '../json.js';
import { normalizeUsername, usernameOrNull, type User } from '../../domain/user.js';
import type { UserRow } from '../rows.js';

export function toUser(row: UserRow): User {
  return {
    username: row.username,
    groups: fromJson<string[]>(row.groups, []),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class UsersRepo {
  constructor(private readonly db: Knex) {}

  async put(username: string, groups: string[]): Promise<User> {
    const now = Date.now();
    const name = normalizeUsername(username);
    await this.db('users')
      .insert({ username: name, groups: toJson([...new Set(groups)].sort()), created_at: now, updated_at: now })
      .onConflict('username')
      .merge(['groups', 'updated_at']);
    return (await this.get(name)) as User;
  }

  async get(username: string): Promise<User | null> {
    const row = await this.db<UserRow>('users')
      .where({ username: normalizeUsername(username) })
      .first();
    return row ? toUser(row) : null;
  }

  /**
   * Several users in one statement (a listing's page), by their normalised names; the absent are
   * left out, and so are names that cannot be usernames (an endpoint's stored last_user from
   * before reports were held to that): no such user exists.
   */
  async getMany(usernames: readonly string[]): Promise<Map<string, User>> {
    const names = [...new Set(usernames.map(usernameOrNull).filter((name): name is string => name !== null))];
    const out = new Map<string, User>();
    for (const part of chunks(names)) {
      const rows = await this.db<UserRow>('users').whereIn('username', part);
      for (const row of rows) out.set(row.username, toUser(row));
    }
    return out;
  }

  async list(): Promise<User[]> {
    return (await this.db<UserRow>('users').orderBy('username')).map(toUser);
  }

  async delete(username: string): Promise<boolean> {
    return (
      (await this.db('users')
        .where({ username: normalizeUsername(username) })
        .delete()) > 0
    );
  }

  /** Every group with its member count. */
  async groups(): Promise<{ name: string; members: number }[]> {
    const counts = new Map<string, number>();
    for (const user of await this.list()) for (const g of user.groups) counts.set(g, (counts.get(g) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, members]) => ({ name, members }));
  }
}
