import type { z } from 'zod';
import { PLAIN_ISSUES, describeIssue } from '@devtrust/shared/protocol';
import { badRequest } from './errors.js';

/** Validates a value against a schema; the 400 names the first field that does not fit, in plain words (PLAIN_ISSUES). */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value, PLAIN_ISSUES);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : (issue?.path.join('.') ?? '');
    throw badRequest('INVALID_REQUEST', describeIssue(parsed.error), field === '' ? undefined : field);
  }
  return parsed.data;
}
