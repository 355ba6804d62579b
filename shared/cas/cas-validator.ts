import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';
import { isAllowedUpstream, isUnreachable } from '../upstream.ts';
import { casInvalidResponse, casServerUnavailable } from './cas-errors.ts';
import { CasServices } from './cas-services.ts';
import { parseServiceResponse, type CasIdentity } from './cas-service-response.ts';

const MAX_CAS_RESPONSE_BYTES = 64 * 1024;
export const MAX_SERVICE_LENGTH = 2048;
export const MAX_TICKET_LENGTH = 256;

export type CasSettings = Config['cas'] & { timeoutMs: number; allowInsecureLoopback: boolean };

const invalidRequest = (message: string) => new XucError('InvalidRequest', { message });

/**
 * Validates CAS service tickets at `CAS_SERVER_URL` (`/p3/serviceValidate` for protocol 3,
 * `/serviceValidate` for 2), forwarding `service` exactly as received. The answer is read with
 * a size bound and a deadline and parsed defensively: a CAS server is trusted for who the user
 * is, not for well-formed XML.
 */
export class CasValidator {
  readonly #services: CasServices;

  constructor(private readonly settings: CasSettings) {
    this.#services = new CasServices(settings.allowedServices);
  }

  /** A validator for the CAS server of the service's configuration. */
  static fromConfig(config: Config): CasValidator {
    return new CasValidator({
      ...config.cas,
      timeoutMs: config.upstreamTimeoutMs,
      allowInsecureLoopback: config.allowInsecureLoopback,
    });
  }

  /**
   * Who the ticket's holder is, as the CAS server says. `service` must be one of
   * `CAS_ALLOWED_SERVICES` (403 `ServiceNotAllowed` otherwise, and always when the list is
   * empty), checked before CAS is called.
   */
  async validate(service: string | undefined, ticket: string | undefined): Promise<CasIdentity> {
    if (!service || !ticket) throw invalidRequest('The "service" and "ticket" query parameters are required');
    if (service.length > MAX_SERVICE_LENGTH || ticket.length > MAX_TICKET_LENGTH) {
      throw invalidRequest(
        `"service" is limited to ${MAX_SERVICE_LENGTH} characters and "ticket" to ${MAX_TICKET_LENGTH}`,
      );
    }
    if (!URL.canParse(service)) throw invalidRequest('"service" must be an absolute URL');
    if (this.#services.empty) {
      throw new XucError('ServiceNotAllowed', { message: 'No CAS service is allowed: set CAS_ALLOWED_SERVICES' });
    }
    if (!this.#services.allows(new URL(service))) throw new XucError('ServiceNotAllowed');
    const body = await this.fetchValidation(service, ticket);
    return parseServiceResponse(body);
  }

  private async fetchValidation(service: string, ticket: string): Promise<string> {
    const { serverUrl, protocolVersion, timeoutMs, allowInsecureLoopback } = this.settings;
    if (!serverUrl) throw casServerUnavailable('CAS is not configured (CAS_SERVER_URL is unset)');
    const url = new URL(`${serverUrl}${protocolVersion === 3 ? '/p3/serviceValidate' : '/serviceValidate'}`);
    if (!isAllowedUpstream(url, allowInsecureLoopback)) {
      throw casServerUnavailable(
        'CAS_SERVER_URL must use https (plain http only for loopback with ALLOW_INSECURE_LOOPBACK=true)',
      );
    }
    url.search = new URLSearchParams({ service, ticket }).toString();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (response.status >= 500) throw casServerUnavailable(`CAS answered HTTP ${response.status}`);
      if (response.status !== 200) throw casInvalidResponse(`CAS answered HTTP ${response.status}`);
      return await readBounded(response, MAX_CAS_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof XucError) throw error;
      throw isUnreachable(error)
        ? casServerUnavailable('CAS unreachable', error)
        : casInvalidResponse('CAS answer unreadable', error);
    }
  }
}

/** The body as text, or a 502 as soon as it grows past `limit` bytes. */
async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) throw casInvalidResponse(`CAS answer of ${declared} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Stryker disable next-line OptionalChaining: a 200 answer of fetch always has a body stream.
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  // Stryker disable next-line ConditionalExpression,StringLiteral: a 200 answer of fetch always has a body stream.
  if (!reader) return '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw casInvalidResponse(`CAS answer over ${limit} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}
