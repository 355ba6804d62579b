/**
 * The HTTP API's CORS configuration (osls `provider.httpApi.cors`), built from
 * CORS_ALLOWED_ORIGINS: one definition for the deployed API (infra/environment.cjs) and the local
 * stack's emulation of it (infra/local/gateway-cors.ts).
 */
export interface HttpApiCors {
  allowedOrigins: string[];
  allowedHeaders: string[];
  allowedMethods: string[];
  exposedResponseHeaders: string[];
  allowCredentials: boolean;
  maxAge: number;
}

/** CORS for these origins, or none at all (`false`) when the list is empty. */
export function httpApiCors(allowedOrigins: string[]): HttpApiCors | false {
  if (allowedOrigins.length === 0) return false;
  return {
    allowedOrigins,
    // The three places a token travels in; Content-Type for the JSON bodies.
    allowedHeaders: ['X-Auth-Token', 'Authorization', 'Content-Type'],
    allowedMethods: ['GET', 'POST', 'DELETE'],
    // /sso's mutual-authentication token, and the challenge of every 401 that has one.
    exposedResponseHeaders: ['WWW-Authenticate'],
    // A page reaches /sso with the browser's own Kerberos credentials (Negotiate), which it
    // sends cross-origin only in credentials mode. Safe here: the origins are listed, never reflected.
    allowCredentials: true,
    // Ten minutes: a preflight per page load and route is enough.
    maxAge: 600,
  };
}
