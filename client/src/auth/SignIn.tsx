import { type FormEvent, useEffect, useId, useState } from 'react';
import { ShieldIcon } from '../ui/icons.js';
import {
  type DemoIdentity,
  devSignInBase,
  fetchDemoIdentities,
  mintDemoToken,
  roleLabel,
} from './devSignIn.js';

/** The sign-in page: paste a token, or (development only) pick a demo identity. */
export function SignIn({ notice, onToken }: { notice: string | null; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const tokenId = useId();
  const hintId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, '');
    if (!value) return setError('Paste an access token first.');
    onToken(value);
  };

  return (
    <main className="sign-in">
      <div className="sign-in-card">
        <div className="brand brand-large">
          <span className="brand-mark">
            <ShieldIcon size={28} />
          </span>
          <span>Security Event Hub</span>
        </div>
        <h1>Sign in</h1>
        <p className="muted">
          Live security alerts, sessions, tool access, recovery and RBAC events for your role.
        </p>
        {notice ? (
          <p className="notice" role="alert">
            {notice}
          </p>
        ) : null}
        <form onSubmit={submit}>
          <label htmlFor={tokenId}>Access token</label>
          <input
            id={tokenId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="eyJhbGciOiJIUzI1NiIs…"
            aria-describedby={hintId}
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
          <p id={hintId} className="hint">
            A JWT for this server, e.g. from <code>npm run token -- --sub olga --roles officer</code>. It
            stays in this tab only.
          </p>
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" className="button primary wide">
            Sign in
          </button>
        </form>
        <DevSignIn onToken={onToken} />
      </div>
    </main>
  );
}

/** Development only: the server's demo identities, one click each. Absent unless the server offers them. */
function DevSignIn({ onToken }: { onToken: (token: string) => void }) {
  const [base] = useState(devSignInBase);
  const [identities, setIdentities] = useState<DemoIdentity[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    if (!base) return;
    fetchDemoIdentities(base).then(setIdentities, (failure: unknown) => setError(String(failure)));
  }, [base]);

  if (!base) return null;
  const signInAs = async (sub: string) => {
    setBusy(sub);
    setError(null);
    try {
      onToken(await mintDemoToken(base, sub));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(null);
    }
  };
  return (
    <section className="dev-sign-in" aria-labelledby="dev-sign-in-title">
      <h2 id="dev-sign-in-title">
        Development sign-in <span className="tag">dev only</span>
      </h2>
      <p className="hint">
        This server signs with its development secret, so it can mint tokens for demo people.
      </p>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <ul className="identities">
        {(identities ?? []).map((identity) => (
          <li key={identity.sub}>
            <button
              type="button"
              className="identity"
              disabled={busy !== null}
              onClick={() => void signInAs(identity.sub)}
            >
              <span className="avatar" aria-hidden="true">
                {identity.sub.charAt(0).toUpperCase()}
              </span>
              <span className="identity-text">
                <span className="identity-name">
                  {identity.sub}
                  <span className="identity-role">{identity.roles.map(roleLabel).join(', ')}</span>
                </span>
                <span className="identity-description">{identity.description}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
