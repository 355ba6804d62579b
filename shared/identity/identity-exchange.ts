import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Services } from '../services.ts';
import type { AuthMethod } from '../tokens/token-record.ts';

/** Who a credential proves the caller to be, before the user store is asked whether they may log in. */
export interface Identity {
  /** The XiVO login. */
  login: string;
  /** What the identity provider released about the user (CAS attributes), recorded with the token. */
  attributes?: Record<string, string[]>;
  /** Headers the protocol adds to a successful answer (Kerberos's `WWW-Authenticate: Negotiate <token>`). */
  headers?: Record<string, string>;
  /** The OpenID Connect subject behind the login: bound to the user at the first exchange, required to match after. */
  oidcSubject?: string;
}

/** Checks a credential with its identity provider; throws the exchange's contract error when it proves nothing. */
export type VerifyCredential<C> = (credential: C) => Promise<Identity>;

/**
 * One way to trade a credential for a Xuc token (CAS ticket, OpenID Connect token, Kerberos
 * ticket…): how the credential is read from the request and how it is checked. Served by
 * `identityExchangeHandler`, which issues the token.
 */
export interface IdentityExchange<C> {
  /** Recorded with the token (its `amr`) and named in the audit log and the metrics. */
  method: AuthMethod;
  /** The credential in the request. Throws the contract's error when it is plainly missing. */
  readCredential(event: APIGatewayProxyEventV2): C;
  /** Builds the check once per container: it may hold the provider's keys, metadata or keytab. */
  createVerifier(services: Services): VerifyCredential<C>;
}
