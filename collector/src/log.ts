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
