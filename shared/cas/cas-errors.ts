import { XucError } from '../errors.ts';

// The reason travels in `cause` and reaches only the logs; callers see the code's public message.

/** 502 `CasServerInvalidResponse` (openapi.yaml, /cas): CAS answered, but nothing a ticket can be validated from. */
export const casInvalidResponse = (reason: string, cause?: unknown): XucError =>
  new XucError('CasServerInvalidResponse', { cause: new Error(reason, { cause }) });

/** 503 `CasServerUnavailable` (openapi.yaml, /cas): CAS is not configured, did not answer in time, or reported its own failure. */
export const casServerUnavailable = (reason: string, cause?: unknown): XucError =>
  new XucError('CasServerUnavailable', { cause: new Error(reason, { cause }) });
