import type { Knex } from 'knex';
import { badRequest } from '../../errors.js';
import { fromJson, toJson } from '../json.js';
import type { User } from '../types.js';

function toUser(row: Record<string, unknown>): User {
  return {
    username: row.username as string,
    groups: fromJson<string[]>(row.groups, []),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

/** The longest username stored (the columns holding one are 256 characters). */
export const MAX_USERNAME_LENGTH = 256;

/**
 * Usernames are stored lower-cased: IdPs disagree on case, people do not. Lower-casing can
 * lengthen text ("İ" becomes "i̇", two characters), so the length is checked on the result:
 * a name that only fits before would overflow the column (a 500 on PostgreSQL).
 */
export const normalizeUsername = (username: string): string => {
  const normalized = username.trim().toLowerCase();
  if (normalized.length > MAX_USERNAME_LENGTH) {
    throw badRequest('INVALID_REQUEST', `username: must be at most ${MAX_USERNAME_LENGTH} characters once lower-cased`, 'username');
  }
  return normalized;
};

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
    const row = await this.db('users')
      .where({ username: normalizeUsername(username) })
      .first();
    return row ? toUser(row) : null;
  }

  async list(): Promise<User[]> {
    return (await this.db('users').orderBy('username')).map(toUser);
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
