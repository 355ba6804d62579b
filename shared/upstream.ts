/**
 * Rules shared by the exchanges that call an identity provider (CAS, OpenID Connect).
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether the service may call `url`: HTTPS always; plain HTTP only to a loopback host and only
 * when `ALLOW_INSECURE_LOOPBACK=true` (set by the local stack, never in a deployed stage).
 */
export function isAllowedUpstream(url: URL, allowInsecureLoopback: boolean): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && allowInsecureLoopback && LOOPBACK_HOSTS.has(url.hostname);
}

/** True for errors that mean "could not reach it in time", as opposed to "it answered nonsense". */
export function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (
      'code' in e &&
      typeof e.code === 'string' &&
      /^(ECONN|ENOTFOUND|EAI_|UND_ERR|ETIMEDOUT|EHOSTUNREACH|EPIPE)/.test(e.code)
    ) {
      return true;
    }
  }
  return false;
}

/** A keep-alive connection the peer closed between two requests: worth one more try. */
function isDroppedConnection(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ('code' in e && (e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET')) return true;
  }
  return false;
}

/** Runs an idempotent upstream call, once more if the first attempt met a dropped connection. */
export async function retryOnceIfDropped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isDroppedConnection(error)) throw error;
    return call();
  }
}
