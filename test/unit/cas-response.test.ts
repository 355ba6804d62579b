import { describe, expect, it } from 'vitest';
import { parseServiceResponse } from '../../shared/cas/cas-service-response.ts';

const CAS = 'xmlns:cas="http://www.yale.edu/tp/cas"';
const success = (inner: string) =>
  `<cas:serviceResponse ${CAS}><cas:authenticationSuccess>${inner}</cas:authenticationSuccess></cas:serviceResponse>`;
const failure = (code: string) =>
  `<cas:serviceResponse ${CAS}><cas:authenticationFailure code="${code}">Ticket not recognised</cas:authenticationFailure></cas:serviceResponse>`;
const refusalOf = (body: string) => {
  try {
    parseServiceResponse(body);
  } catch (error) {
    return error as { code?: string; cause?: unknown };
  }
  return undefined;
};
const codeOf = (body: string) => refusalOf(body)?.code ?? 'accepted';
const causeOf = (body: string) => refusalOf(body)?.cause;

describe('CAS serviceResponse parsing', () => {
  it('reads the user and the released attributes of a CAS 3 success', () => {
    const body = success(
      '<cas:user>alice</cas:user><cas:attributes><cas:email>alice@example.org</cas:email>' +
        '<cas:memberOf>agents</cas:memberOf><cas:memberOf>supervisors</cas:memberOf></cas:attributes>',
    );
    expect(parseServiceResponse(body)).toEqual({
      user: 'alice',
      attributes: { email: ['alice@example.org'], memberOf: ['agents', 'supervisors'] },
    });
  });

  it('reads elements by local name, whatever the prefix, and a CAS 2 answer without attributes', () => {
    expect(
      parseServiceResponse(
        '<x:serviceResponse xmlns:x="urn:x"><x:authenticationSuccess><x:user>bob</x:user></x:authenticationSuccess></x:serviceResponse>',
      ),
    ).toEqual({
      user: 'bob',
      attributes: {},
    });
  });

  it('reads a refused ticket as an invalid ticket, whatever the code, and INTERNAL_ERROR as the server’s trouble', () => {
    for (const code of ['INVALID_TICKET', 'INVALID_SERVICE', 'INVALID_REQUEST', 'UNAUTHORIZED_SERVICE_PROXY', '']) {
      expect(codeOf(failure(code))).toBe('CasServerInvalidTicket');
    }
    expect(codeOf(failure('INTERNAL_ERROR'))).toBe('CasServerUnavailable');
  });

  it.each([
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY u "admin">]>${success('<cas:user>&u;</cas:user>')}`],
    ['an HTML page', '<html><body>Login</body></html>'],
    ['broken XML', '<cas:serviceResponse><cas:authenticationSuccess><cas:user>alice'],
    ['no user', success('')],
    ['an empty user', success('<cas:user></cas:user>')],
    ['two users', success('<cas:user>alice</cas:user><cas:user>mallory</cas:user>')],
    ['a user over 128 characters', success(`<cas:user>${'a'.repeat(129)}</cas:user>`)],
    ['two serviceResponse elements', success('<cas:user>a</cas:user>').repeat(2)],
    ['plain text', 'yes\nalice\n'],
  ])('refuses %s as an invalid answer', (_what, body) => {
    expect(codeOf(body)).toBe('CasServerInvalidResponse');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE x><x/>', 'CAS answer declares a DOCTYPE or entities'],
    ['an entity', '<!ENTITY u "admin"><x/>', 'CAS answer declares a DOCTYPE or entities'],
    ['broken XML', '<cas:serviceResponse><cas:user>alice', 'CAS answer is not well-formed XML'],
    ['another document', '<html/>', 'CAS answer has no single serviceResponse'],
    ['no user', success(''), 'CAS answer has no single user'],
    ['a refused ticket', failure('INVALID_TICKET'), 'CAS answered INVALID_TICKET'],
    ['a failure without code', failure(''), 'CAS answered a failure without code'],
    ['INTERNAL_ERROR', failure('INTERNAL_ERROR'), 'CAS answered INTERNAL_ERROR'],
  ])('names the reason of %s for the logs', (_what, body, reason) => {
    expect(causeOf(body)).toEqual(new Error(reason));
  });

  it('reads a failure without a code attribute as one without code', () => {
    const body = `<cas:serviceResponse ${CAS}><cas:authenticationFailure>Ticket not recognised</cas:authenticationFailure></cas:serviceResponse>`;
    expect(causeOf(body)).toEqual(new Error('CAS answered a failure without code'));
  });

  it.each(['42', '042', '1e3'])('reads a failure code %s as the text CAS sent, not as a number', (code) => {
    expect(causeOf(failure(code))).toEqual(new Error(`CAS answered ${code}`));
  });

  it('keeps what the validator said of a document that is not well-formed', () => {
    const cause = causeOf('<cas:serviceResponse><cas:user>alice') as { cause?: unknown };
    expect(cause.cause).toEqual(new Error('not well-formed'));
  });

  it('reads a user as the text CAS sent, trimmed: digits stay text, HTML entities stay as written', () => {
    expect(parseServiceResponse(success('<cas:user>01234</cas:user>')).user).toBe('01234');
    expect(parseServiceResponse(success('<cas:user>\n  alice  \n</cas:user>')).user).toBe('alice');
    expect(parseServiceResponse(success('<cas:user>a&copy;b</cas:user>')).user).toBe('a&copy;b');
  });

  it('takes a user of 128 characters', () => {
    expect(parseServiceResponse(success(`<cas:user>${'a'.repeat(128)}</cas:user>`)).user).toHaveLength(128);
  });

  it('keeps 32 attributes of up to 256 characters, strings only, and none of the element’s own XML attributes', () => {
    const names = Array.from({ length: 33 }, (_, i) => `<cas:a${i}>v</cas:a${i}>`).join('');
    const { attributes } = parseServiceResponse(
      success(`<cas:user>alice</cas:user><cas:attributes kind="x">${names}</cas:attributes>`),
    );
    expect(Object.keys(attributes)).toHaveLength(32);
    expect(attributes).not.toHaveProperty('a32');
    expect(attributes).not.toHaveProperty('@_kind');
    const long = parseServiceResponse(
      success(
        `<cas:user>alice</cas:user><cas:attributes kind="x"><cas:n>${'n'.repeat(300)}</cas:n><cas:e><x>1</x></cas:e></cas:attributes>`,
      ),
    ).attributes;
    expect(long).toEqual({ n: ['n'.repeat(256)] });
  });

  it('reads attributes given as bare text as none', () => {
    expect(parseServiceResponse(success('<cas:user>alice</cas:user><cas:attributes>agents</cas:attributes>'))).toEqual({
      user: 'alice',
      attributes: {},
    });
  });

  it('bounds what it keeps of the attributes', () => {
    const values = Array.from({ length: 20 }, (_, i) => `<cas:group>g${i}</cas:group>`).join('');
    const { attributes } = parseServiceResponse(
      success(
        `<cas:user>alice</cas:user><cas:attributes>${values}<cas:note>${'n'.repeat(5000)}</cas:note></cas:attributes>`,
      ),
    );
    expect(attributes.group).toHaveLength(8);
    expect(attributes.note?.[0]?.length).toBeLessThan(5000);
  });
});
