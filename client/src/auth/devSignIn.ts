/** A demo identity the development server offers (src/transport/dashboard.ts). */
export interface DemoIdentity {
  readonly sub: string;
  /** Lower case, as in a token's `roles` claim. */
  readonly roles: readonly string[];
  readonly description: string;
}

/**
 * The development sign-in's base path, when this server has one. The server
 * says so in a meta tag only while it signs with its public development
 * secret; in production the tag is absent and the endpoints do not exist.
 */
export function devSignInBase(): string | null {
  return document.querySelector<HTMLMetaElement>('meta[name="dev-sign-in"]')?.content ?? null;
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`The development sign-in answered ${response.status}`);
  return (await response.json()) as T;
}

/** The demo identities. */
export async function fetchDemoIdentities(base: string): Promise<DemoIdentity[]> {
  return json(await fetch(`${base}identities`));
}

/** A token for one demo identity, minted by the development server (POST: a token never travels in a URL). */
export async function mintDemoToken(base: string, sub: string): Promise<string> {
  const response = await fetch(`${base}token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub }),
  });
  return (await json<{ token: string }>(response)).token;
}

/** "admin" → "Admin". */
export const roleLabel = (role: string) => role.charAt(0).toUpperCase() + role.slice(1).toLowerCase();
