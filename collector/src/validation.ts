import type { z } from 'zod';
import { describeIssue } from '@devtrust/shared/protocol';
import { badRequest } from './errors.js';

/** Validates a value against a schema; the 400 names the first field that does not fit. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : (issue?.path.join('.') ?? '');
    throw badRequest('INVALID_REQUEST', describeIssue(parsed.error), field === '' ? undefined : field);
  }
  return parsed.data;
}
