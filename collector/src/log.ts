import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/config.js';

/**
 * Structured logs, one child logger per component. Anything that could hold a secret is
 * redacted by path as a second line of defence; the first is never logging secrets.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'devtrust-collector' },
      serializers: { err: safeError },
      redact: {
        paths: [
          '*.password',
          '*.clientSecret',
          '*.apiKey',
          '*.apiToken',
          '*.secret',
          '*.authorization',
          '*.enrollmentKey',
          'config',
          'secrets',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
export type { Logger };

/**
 * Database errors carry row values in fields of their own (PostgreSQL's `detail` quotes
 * the duplicate key, `where` and `internalQuery` the statement; knex may add `bindings`):
 * logged errors keep their code and message, never those. (knex is told not to put values
 * in the message: see dialect.ts.)
 */
const VALUE_FIELDS = ['detail', 'where', 'internalQuery', 'hint', 'bindings', 'parameters', 'sql'];
function safeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const out = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const field of VALUE_FIELDS) delete out[field];
  return out;
}
