/**
 * One error hierarchy for the collector's edges. `expose` (status < 500) decides whether
 * a client sees the message; 5xx answers say nothing internal. Codes are stable API.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  /** The field a 400 is about, e.g. "policy.trustedEndpoints". */
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, options: { cause?: unknown; field?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.expose = status < 500;
    this.field = options.field;
  }
}

export const badRequest = (code: string, message: string, field?: string): AppError =>
  new AppError(400, code, message, field === undefined ? {} : { field });
export const unauthorized = (message = 'missing or invalid credentials'): AppError => new AppError(401, 'UNAUTHENTICATED', message);
export const forbidden = (message: string): AppError => new AppError(403, 'FORBIDDEN', message);
export const notFound = (what: string): AppError => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (code: string, message: string): AppError => new AppError(409, code, message);

/** Thrown at start-up for bad configuration: the CLI prints `message` as one line. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
