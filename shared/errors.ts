/**
 * The one error family of the service. Each code is a value of the contract's `error` field
 * (openapi.yaml, components.schemas.Error) with its HTTP status and a default public message.
 * The public message is safe to show a caller; anything else (the upstream error, the failed
 * assertion) travels in `cause` and reaches only the logs.
 */
export const ERRORS = {
  InvalidJson: [400, 'Request body is not valid JSON or misses required fields'],
  InvalidRequest: [400, 'Invalid request'],
  InvalidCredentials: [401, 'Invalid username or password'],
  TokenExpired: [401, 'Token expired'],
  InvalidToken: [401, 'Invalid token'],
  SsoAuthenticationFailed: [401, 'Kerberos authentication failed'],
  CasServerInvalidTicket: [401, 'CAS server rejected the ticket'],
  OidcInvalidToken: [401, 'Invalid OpenID Connect token'],
  UserNotFound: [403, 'User not found or not allowed to log in'],
  ServiceNotAllowed: [403, 'Service not allowed'],
  TokenNotFound: [404, 'No such token'],
  TooManyAttempts: [429, 'Too many attempts, retry later'],
  CasServerInvalidResponse: [502, 'CAS server answered with an invalid response'],
  OidcProviderInvalidResponse: [502, 'OpenID Connect provider answered with an invalid response'],
  CasServerUnavailable: [503, 'CAS server unavailable'],
  OidcProviderUnavailable: [503, 'OpenID Connect provider unavailable'],
  ServiceUnavailable: [503, 'Service temporarily unavailable'],
  /** The local stack's XiVO proxy routes (infra/local/proxy-route-server.ts). */
  UpstreamUnavailable: [502, 'Upstream unavailable'],
  UpstreamTimeout: [504, 'Upstream did not answer in time'],
  UnhandledError: [500, 'Internal error'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

export class XucError extends Error {
  override readonly name = 'XucError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers the error implies (`WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: { message?: string; cause?: unknown; headers?: Record<string, string> } = {}) {
    const [status, defaultMessage] = ERRORS[code];
    super(options.message ?? defaultMessage, { cause: options.cause });
    this.code = code;
    this.status = status;
    this.headers = options.headers ?? {};
  }

  toJSON(): ErrorBody {
    return { error: this.code, message: this.message };
  }
}

/** Raised at start-up when the environment is unusable; names the variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A failure of a store or secret dependency, which the service reports as 503 and fails closed on. */
export function unavailable(what: string, cause: unknown): XucError {
  return new XucError('ServiceUnavailable', { cause: new Error(`${what} unavailable`, { cause }) });
}
