// A front end's connection to the API: the signed-in session, kept for the tab, and the
// typed client that sends its token. The storefront's and the console's, each under keys
// of its own (no other import of the storefront's, so the console takes it alone).
import { createClient, type Client, type Schema } from "@capsule/client";

declare global {
  interface Window {
    /** The API's origin, set by the page's config.js (empty: the origin serving the page). */
    CAPSULE_API?: string;
  }
}

export type User = Schema<"User">;

export interface Session {
  readonly token: string | null;
  readonly user: User | null;
  save(token: string, user: User): void;
  clear(): void;
}

/** The session under `prefix.token` and `prefix.user`; `onClear` runs when it ends. */
export function tabSession(prefix: string, onClear: () => void = () => undefined): Session {
  const tokenKey = `${prefix}.token`;
  const userKey = `${prefix}.user`;
  return {
    get token(): string | null {
      return sessionStorage.getItem(tokenKey);
    },
    get user(): User | null {
      try {
        return JSON.parse(sessionStorage.getItem(userKey) ?? "null") as User | null;
      } catch {
        return null;
      }
    },
    save(token: string, user: User): void {
      sessionStorage.setItem(tokenKey, token);
      sessionStorage.setItem(userKey, JSON.stringify(user));
    },
    clear(): void {
      sessionStorage.removeItem(tokenKey);
      sessionStorage.removeItem(userKey);
      onClear();
    },
  };
}

/** The client of the API named by config.js, sending `session`'s token. */
export function connect(session: Session): Client {
  return createClient({
    baseUrl: (window.CAPSULE_API || window.location.origin).replace(/\/$/, ""),
    token: () => session.token,
  });
}
