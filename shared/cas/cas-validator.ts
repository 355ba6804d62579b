import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';
import { isAllowedUpstream, isUnreachable } from '../upstream.ts';

const MAX_CAS_RESPONSE_BYTES = 64 * 1024;
const MAX_SERVICE_LENGTH = 2048;
const MAX_TICKET_LENGTH = 256;
const MAX_ATTRIBUTES = 32;
const MAX_ATTRIBUTE_LENGTH = 256;

export type CasSettings = Config['cas'] & { timeoutMs: number; allowInsecureLoopback: boolean };

export interface CasIdentity {
  user: string;
  /** Released attributes, bounded in number and size, every value as a list. */
  attributes: Record<string, string[]>;
}

const invalidRequest = (message: string) => new XucError('InvalidRequest', { message });
const invalidResponse = (reason: string, cause?: unknown) =>
  new XucError('CasServerInvalidResponse', { cause: new Error(reason, { cause }) });
const unavailable = (reason: string, cause?: unknown) => new XucError('CasServerUnavailable', { cause: new Error(reason, { cause }) });

// Elements are matched by local name (`cas:user` and `user` alike); entities other than XML's
// own five never reach the parser, because documents with a DOCTYPE are refused first.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: false,
  trimValues: true,
});

/**
 * Validates CAS service tickets at `CAS_SERVER_URL` (`/p3/serviceValidate` for protocol 3,
 * `/serviceValidate` for 2), forwarding `service` exactly as received. The answer is read with
 * a size bound and a deadline and parsed defensively: a CAS server is trusted for who the user
 * is, not for well-formed XML.
 */
export class CasValidator {
  readonly #allowed: URL[];

  constructor(private readonly settings: CasSettings) {
    this.#allowed = settings.allowedServices.map((prefix) => new URL(prefix));
  }

  static fromConfig(config: Config): CasValidator {
    return new CasValidator({ ...config.cas, timeoutMs: config.upstreamTimeoutMs, allowInsecureLoopback: config.allowInsecureLoopback });
  }

  async validate(service: string | undefined, ticket: string | undefined): Promise<CasIdentity> {
    if (!service || !ticket) throw invalidRequest('The "service" and "ticket" query parameters are required');
    if (service.length > MAX_SERVICE_LENGTH || ticket.length > MAX_TICKET_LENGTH) {
      throw invalidRequest(`"service" is limited to ${MAX_SERVICE_LENGTH} characters and "ticket" to ${MAX_TICKET_LENGTH}`);
    }
    if (!URL.canParse(service)) throw invalidRequest('"service" must be an absolute URL');
    if (!this.isAllowedService(new URL(service))) throw new XucError('ServiceNotAllowed');
    const body = await this.fetchValidation(service, ticket);
    return parseServiceResponse(body);
  }

  /** Same origin as an allowed prefix and a path under it: `https://app.example.org.evil/` never matches `https://app.example.org`. */
  private isAllowedService(service: URL): boolean {
    if (this.#allowed.length === 0) return true;
    return this.#allowed.some((prefix) => prefix.origin === service.origin && service.pathname.startsWith(prefix.pathname));
  }

  private async fetchValidation(service: string, ticket: string): Promise<string> {
    const { serverUrl, protocolVersion, timeoutMs, allowInsecureLoopback } = this.settings;
    if (!serverUrl) throw unavailable('CAS is not configured (CAS_SERVER_URL is unset)');
    const url = new URL(`${serverUrl}${protocolVersion === 3 ? '/p3/serviceValidate' : '/serviceValidate'}`);
    if (!isAllowedUpstream(url, allowInsecureLoopback)) {
      throw unavailable('CAS_SERVER_URL must use https (plain http only for loopback with ALLOW_INSECURE_LOOPBACK=true)');
    }
    url.search = new URLSearchParams({ service, ticket }).toString();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (response.status >= 500) throw unavailable(`CAS answered HTTP ${response.status}`);
      if (response.status !== 200) throw invalidResponse(`CAS answered HTTP ${response.status}`);
      return await readBounded(response, MAX_CAS_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof XucError) throw error;
      throw isUnreachable(error) ? unavailable('CAS unreachable', error) : invalidResponse('CAS answer unreadable', error);
    }
  }
}

/** The body as text, or a 502 as soon as it grows past `limit` bytes. */
async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) throw invalidResponse(`CAS answer of ${declared} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw invalidResponse(`CAS answer over ${limit} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The identity in a CAS 2/3 `serviceResponse`, or the contract's error for anything else. */
export function parseServiceResponse(body: string): CasIdentity {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw invalidResponse('CAS answer declares a DOCTYPE or entities');
  let document: unknown;
  try {
    if (XMLValidator.validate(body) !== true) throw new Error('not well-formed');
    document = parser.parse(body);
  } catch (error) {
    // The validator lets a few broken documents through (e.g. "<A/") that the parser then throws on.
    throw invalidResponse('CAS answer is not well-formed XML', error);
  }
  const response = isNode(document) ? document.serviceResponse : undefined;
  if (!isNode(response)) throw invalidResponse('CAS answer has no single serviceResponse');

  const failure = response.authenticationFailure;
  if (failure !== undefined) {
    const code = isNode(failure) ? String(failure['@_code'] ?? '') : '';
    // INVALID_TICKET, INVALID_SERVICE, INVALID_REQUEST and the proxy codes all say "this ticket
    // proves nothing"; only INTERNAL_ERROR is the server's own trouble.
    if (code === 'INTERNAL_ERROR') throw unavailable('CAS answered INTERNAL_ERROR');
    throw new XucError('CasServerInvalidTicket', { cause: new Error(`CAS answered ${code || 'a failure without code'}`) });
  }
  const success = response.authenticationSuccess;
  const user = isNode(success) ? success.user : undefined;
  if (typeof user !== 'string' || user.length === 0 || user.length > 128) throw invalidResponse('CAS answer has no single user');
  return { user, attributes: isNode(success) ? readAttributes(success.attributes) : {} };
}

function readAttributes(node: unknown): Record<string, string[]> {
  if (!isNode(node)) return {};
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(node).slice(0, MAX_ATTRIBUTES)) {
    if (name.startsWith('@_')) continue;
    const values = [value]
      .flat()
      .filter((item): item is string => typeof item === 'string')
      .map((item) => item.slice(0, MAX_ATTRIBUTE_LENGTH))
      .slice(0, 8);
    if (values.length > 0) attributes[name] = values;
  }
  return attributes;
}
