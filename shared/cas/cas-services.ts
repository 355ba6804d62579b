/**
 * The CAS services tickets may be traded for (`CAS_ALLOWED_SERVICES`): a ticket a user gave
 * another CAS application must not buy a Xuc token. An entry admits a service URL with the same
 * scheme, host (case-insensitively) and port (default ports normalised), and a path equal to the
 * entry's or below it at a segment boundary: `https://h/app` admits `https://h/app` and
 * `https://h/app/…`, never `https://h/app-evil`. A service URL carrying userinfo is refused.
 */
export class CasServices {
  readonly #entries: { origin: string; path: string }[];

  /** `entries` are absolute URLs without userinfo (config.ts checks them). */
  constructor(entries: readonly string[]) {
    this.#entries = entries.map((entry) => {
      const url = new URL(entry);
      return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
    });
  }

  /** Whether the list names no service at all: then every ticket is refused. */
  get empty(): boolean {
    return this.#entries.length === 0;
  }

  allows(service: URL): boolean {
    if (service.username || service.password) return false;
    return this.#entries.some(
      ({ origin, path }) =>
        origin === service.origin && (service.pathname === path || service.pathname.startsWith(`${path}/`)),
    );
  }
}
