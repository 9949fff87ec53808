/**
 * The full page shown when the browser host's launch token is missing.
 *
 * Without the token every call would fail with 401; saying why, and what to open
 * instead, is the whole fix, so nothing else is rendered.
 */
export function NoTokenPage() {
  return (
    <main className="no-token" data-testid="no-token">
      <div className="no-token__card" role="alert">
        <h1>Bulkhead needs its launch token</h1>
        <p>
          Open the URL printed by the host, it carries the launch token. It looks like{' '}
          <code>http://127.0.0.1:&lt;port&gt;/#token=…</code>.
        </p>
        <p className="muted">
          Each launch of the browser host makes a new token and prints the full URL in its terminal
          (for example after <code>npm run start:browser</code>). The token never leaves this tab:
          it is removed from the address bar and kept only until the tab closes. If you restarted
          the host, use the URL from the new launch.
        </p>
      </div>
    </main>
  );
}
