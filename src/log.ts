import { type DestinationStream, type Logger, pino } from 'pino';

/** Log levels accepted by LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Structured JSON logs (pino). Authorization headers, connection params and
 * anything named like a token or secret are redacted wherever they appear, as
 * a second line of defence: the code never logs them in the first place.
 */
export function createLogger(level: (typeof LOG_LEVELS)[number], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'security-event-hub' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          '*.headers.authorization',
          'token',
          '*.token',
          'secret',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
