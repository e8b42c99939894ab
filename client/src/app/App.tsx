import { useCallback, useEffect, useState } from 'react';
import { Provider } from 'urql';
import { type Api, createApi } from '../api/client.js';
import { SignIn } from '../auth/SignIn.js';
import { forgetToken, loadToken, saveToken } from '../auth/token.js';
import { describeError } from '../feed/source.js';
import { useMeQuery } from '../generated/graphql.js';
import { Dashboard } from './Dashboard.js';

/** Signed out: the sign-in page. Signed in: one session (clients, dashboard) per token. */
export function App() {
  const [token, setToken] = useState<string | null>(loadToken);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((reason: string | null) => {
    forgetToken();
    setToken(null);
    setNotice(reason);
  }, []);
  if (!token) {
    return (
      <SignIn
        notice={notice}
        onToken={(next) => {
          setNotice(null);
          setToken(next);
        }}
      />
    );
  }
  return <Session key={token} token={token} onSignOut={signOut} />;
}

/** The clients for one token, closed when the person signs out. */
function Session({ token, onSignOut }: { token: string; onSignOut: (reason: string | null) => void }) {
  const [api, setApi] = useState<Api | null>(null);
  useEffect(() => {
    const created = createApi(token);
    setApi(created);
    return () => created.dispose();
  }, [token]);
  if (!api) return null;
  return (
    <Provider value={api.urql}>
      <Verified api={api} token={token} onSignOut={onSignOut} />
    </Provider>
  );
}

/** Asks the server who the token belongs to; only a token it accepts is kept and shows the dashboard. */
function Verified({
  api,
  token,
  onSignOut,
}: {
  api: Api;
  token: string;
  onSignOut: (reason: string | null) => void;
}) {
  const [me, retry] = useMeQuery();
  const refused = me.error?.graphQLErrors.some((error) => error.extensions?.code === 'UNAUTHENTICATED');

  useEffect(() => {
    if (me.data) saveToken(token);
  }, [me.data, token]);
  useEffect(() => {
    if (me.error && refused) onSignOut(`The server refused this token. ${describeError(me.error)}`);
  }, [me.error, refused, onSignOut]);
  // The server closes the socket with 4403 when the token expires or its session is terminated.
  useEffect(
    () =>
      api.connection.subscribe(() => {
        const state = api.connection.get();
        if (state.status === 'closed')
          onSignOut(`Signed out: ${state.reason || `connection closed (${state.code})`}.`);
      }),
    [api, onSignOut],
  );

  if (me.data) return <Dashboard viewer={me.data.me} api={api} onSignOut={onSignOut} />;
  if (me.error && !refused) {
    return (
      <main className="center-page">
        <p role="alert">Cannot reach the server: {describeError(me.error)}</p>
        <button type="button" className="button primary" onClick={() => retry()}>
          Try again
        </button>
      </main>
    );
  }
  return (
    <main className="center-page">
      <p className="muted">Signing in…</p>
    </main>
  );
}
