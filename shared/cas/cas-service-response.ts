import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XucError } from '../errors.ts';
import { casInvalidResponse, casServerUnavailable } from './cas-errors.ts';

const MAX_ATTRIBUTES = 32;
const MAX_ATTRIBUTE_LENGTH = 256;

/** Who a CAS server says the ticket's holder is. */
export interface CasIdentity {
  user: string;
  /** Released attributes, bounded in number and size, every value as a list. */
  attributes: Record<string, string[]>;
}

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

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' &&
  // Stryker disable next-line ConditionalExpression: fast-xml-parser makes strings, objects and lists, never null; the check only satisfies the types.
  value !== null &&
  !Array.isArray(value);

/** The identity in a CAS 2/3 `serviceResponse`, or the contract's error for anything else. */
export function parseServiceResponse(body: string): CasIdentity {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw casInvalidResponse('CAS answer declares a DOCTYPE or entities');
  let document: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- its successor, fast-xml-validator, is not a dependency (yet)
    if (XMLValidator.validate(body) !== true) throw new Error('not well-formed');
    document = parser.parse(body);
  } catch (error) {
    // The validator lets a few broken documents through (e.g. "<A/") that the parser then throws on.
    throw casInvalidResponse('CAS answer is not well-formed XML', error);
  }
  const response = isNode(document) ? document.serviceResponse : undefined;
  if (!isNode(response)) throw casInvalidResponse('CAS answer has no single serviceResponse');

  const failure = response.authenticationFailure;
  if (failure !== undefined) {
    // A failure element without attributes is parsed as text, several of them as a list: neither
    // has a code. An attribute is always text (parseAttributeValue: false).
    const { '@_code': code } = failure as { '@_code'?: string };
    // INVALID_TICKET, INVALID_SERVICE, INVALID_REQUEST and the proxy codes all say "this ticket
    // proves nothing"; only INTERNAL_ERROR is the server's own trouble.
    if (code === 'INTERNAL_ERROR') throw casServerUnavailable('CAS answered INTERNAL_ERROR');
    throw new XucError('CasServerInvalidTicket', {
      cause: new Error(`CAS answered ${code || 'a failure without code'}`),
    });
  }
  const success = response.authenticationSuccess;
  const user = isNode(success) ? success.user : undefined;
  if (typeof user !== 'string' || user.length === 0 || user.length > 128)
    throw casInvalidResponse('CAS answer has no single user');
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
