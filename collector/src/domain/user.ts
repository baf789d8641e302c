/** A user the admin put in groups (test-group activation); unknown users have none. */
export interface User {
  username: string;
  groups: string[];
  createdAt: number;
  updatedAt: number;
}

/** Usernames are stored and compared lower-cased: IdPs disagree on case, people do not. */
export const normalizeUsername = (username: string): string => username.trim().toLowerCase();
