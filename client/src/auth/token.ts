/**
 * Where the signed-in token lives: this tab's sessionStorage. A reload keeps
 * the person signed in, closing the tab forgets the token, and each tab can be
 * a different person (handy to watch the role filter side by side). It is never
 * written to localStorage, a cookie or a URL, and only ever sent in the
 * Authorization header and the WebSocket's connection_init payload.
 */
const KEY = 'security-event-hub:token';

/** The token this tab signed in with, if any. */
export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    // Storage can be disabled; then the token lives in memory only and a reload signs out.
    return null;
  }
}

/** Keeps the token for this tab. */
export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // See loadToken.
  }
}

/** Forgets the token (sign-out, or the server refused it). */
export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // See loadToken.
  }
}
