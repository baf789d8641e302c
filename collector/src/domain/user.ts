import { badRequest } from '../errors.js';
/** A user the admin put in groups (test-group activation); unknown users have none. */
export interface User {
  username: string;
  groups: string[];
  createdAt: number;
  updatedAt: number;
}

/** The longest username stored (the columns holding one are 256 characters). */
export const MAX_USERNAME_LENGTH = 256;

/**
 * Usernames are stored lower-cased: IdPs disagree on case, people do not. Lower-casing can
 * lengthen text ("İ" becomes "i̇", two characters), so the length is checked on the result:
 * a name that only fits before would overflow the column (a 500 on PostgreSQL).
 */
export const normalizeUsername = (username: string): string => {
  const normalized = usernameOrNull(username);
  if (normalized === null) {
    throw badRequest('INVALID_REQUEST', `username: must be at most ${MAX_USERNAME_LENGTH} characters once lower-cased`, 'username');
  }
  return normalized;
};

/**
 * normalizeUsername for text that is not a request's own (an agent's reported user, an endpoint's
 * stored last_user): null when it cannot be a username, which reads as no known user (no groups)
 * rather than failing the listing or the page that shows it.
 */
export const usernameOrNull = (username: string): string | null => {
  const normalized = username.trim().toLowerCase();
  return normalized.length > MAX_USERNAME_LENGTH ? null : normalized;
};
