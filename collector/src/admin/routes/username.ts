import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { badRequest } from '../../errors.js';

const username = displayText(256);

/** The username in a path fails as a body field would: 400 naming it, and the character. */
export function usernameParam(raw: unknown): string {
  const name = username.safeParse(raw);
  if (!name.success) throw badRequest('INVALID_REQUEST', usernameProblem(name.error), 'username');
  return name.data;
}

const usernameProblem = (error: z.ZodError): string =>
  `username: ${error.issues[0]?.code === 'custom' ? error.issues[0].message : 'must be 1-256 characters'}`;
