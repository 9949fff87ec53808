import { useState } from 'react';
import type { RestoreTarget } from '../../../shared/restore/plan-model';
import { describeError } from '../../api/api-error';
import { useAddCredential, useRemoveCredential, useVaultList } from './queries';
import { toggleCredential, useRestoreStore } from './store';

function short(fingerprint: string): string {
  return fingerprint.length > 14 ? `${fingerprint.slice(0, 12)}…` : fingerprint;
}

function targetText(target: Readonly<Record<string, unknown>>): string {
  if (typeof target.apiBaseUrl === 'string')
    return `${String(target.owner)} at ${target.apiBaseUrl}`;
  if (typeof target.baseUrl === 'string') return target.baseUrl;
  if (typeof target.bucket === 'string') return `${target.bucket} at ${String(target.endpoint)}`;
  return JSON.stringify(target);
}

/**
 * Adds a restore credential: its kind, a label, where it is used, and where the host
 * reads its token (a file or a variable). The token is never typed into the page.
 */
function AddCredentialForm({
  target,
  passphrase,
}: {
  readonly target: RestoreTarget;
  readonly passphrase: string;
}) {
  const add = useAddCredential();
  const suggested = useRestoreStore((s) => s.suggestedCredential);
  const [kind, setKind] = useState<'github-token' | 'git-token'>('github-token');
  const [label, setLabel] = useState(suggested?.label ?? '');
  const [username, setUsername] = useState('x-access-token');
  const [source, setSource] = useState<'file' | 'env'>('file');
  const [ref, setRef] = useState(suggested?.tokenFile ?? '');
  return (
    <form
      className="restore-add"
      aria-label="Add a credential"
      data-testid="vault-add"
      onSubmit={(e) => {
        e.preventDefault();
        const tokenSource =
          source === 'file' ? { tokenFile: ref.trim() } : { tokenEnv: ref.trim() };
        const common = {
          label: label.trim(),
          ...tokenSource,
          ...(passphrase !== '' ? { passphrase } : {}),
        };
        add.mutate(
          kind === 'github-token'
            ? {
                kind,
                ...common,
                target: { apiBaseUrl: target.apiUrl, owner: target.owner },
              }
            : { kind, ...common, target: { baseUrl: target.gitUrl }, username: username.trim() },
          {
            onSuccess: (meta) => {
              // A suggested credential (the demo's) is needed twice: for the API and for git.
              setLabel(suggested?.label ?? '');
              setRef(suggested?.tokenFile ?? '');
              if (suggested && kind === 'github-token') setKind('git-token');
              toggleCredential(meta.id, true);
            },
          },
        );
      }}
    >
      <h3 className="restore-subhead">Add a credential</h3>
      <label className="filter-field">
        <span>Kind</span>
        <select
          value={kind}
          onChange={(e) => setKind(e.target.value as 'github-token' | 'git-token')}
          data-testid="vault-add-kind"
        >
          <option value="github-token">GitHub API token for {target.owner}</option>
          <option value="git-token">git token for {target.gitUrl}</option>
        </select>
      </label>
      <label className="filter-field">
        <span>Label</span>
        <input
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          required
          placeholder="restore bot"
          data-testid="vault-add-label"
        />
      </label>
      {kind === 'git-token' && (
        <label className="filter-field">
          <span>Git user name</span>
          <input value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
      )}
      <fieldset className="diff-form__token">
        <legend>Token, read by the host from</legend>
        <label>
          <input type="radio" checked={source === 'file'} onChange={() => setSource('file')} /> a
          file
        </label>
        <label>
          <input type="radio" checked={source === 'env'} onChange={() => setSource('env')} /> an
          environment variable
        </label>
        <input
          value={ref}
          onChange={(e) => setRef(e.target.value)}
          aria-label={source === 'file' ? 'Token file path' : 'Variable name'}
          placeholder={source === 'file' ? '/path/to/restore-token' : 'RESTORE_TOKEN'}
          required
          data-testid="vault-add-token-ref"
        />
      </fieldset>
      <button
        type="submit"
        className="button"
        disabled={add.isPending}
        data-testid="vault-add-submit"
      >
        {add.isPending ? 'Sealing…' : 'Add to the vault'}
      </button>
      {add.isError && (
        <p role="alert" className="notice notice--error" data-testid="vault-add-error">
          {describeError(add.error)}
        </p>
      )}
    </form>
  );
}

/**
 * The restore credentials: the vault's list (metadata and fingerprints only) to choose
 * from, the form to add one, and, where a passphrase seals the vault, its field.
 */
export function CredentialsPanel({
  target,
  passphrase,
  onPassphrase,
}: {
  readonly target: RestoreTarget;
  readonly passphrase: string;
  readonly onPassphrase: (passphrase: string) => void;
}) {
  const list = useVaultList();
  const remove = useRemoveCredential();
  const chosen = useRestoreStore((s) => s.credentialIds);
  const needsPassphrase = list.data?.box === 'passphrase' && !list.data.passphraseFromEnv;
  return (
    <section
      className="card"
      aria-labelledby="restore-credentials"
      data-testid="restore-credentials"
    >
      <h2 id="restore-credentials">Restore credential</h2>
      <p className="muted">
        A credential the agent never held, kept in the host&apos;s vault (
        {list.data?.box === 'safe-storage'
          ? 'sealed by the system keychain'
          : 'sealed with a passphrase'}
        ). Only its fingerprint reaches this page; it is unlocked for one approved plan, then wiped.
      </p>
      {needsPassphrase && (
        <label className="filter-field restore-passphrase">
          <span>
            Vault passphrase (held in this page only while you use it; sent with each call)
          </span>
          <input
            type="password"
            autoComplete="off"
            value={passphrase}
            onChange={(e) => onPassphrase(e.target.value)}
            data-testid="vault-passphrase"
          />
        </label>
      )}
      {list.isError && (
        <p role="alert" className="notice notice--error">
          {describeError(list.error)}
        </p>
      )}
      {list.data && list.data.credentials.length === 0 && (
        <p className="muted" data-testid="vault-empty">
          The vault holds no credential yet: add the restore token below.
        </p>
      )}
      {list.data && list.data.credentials.length > 0 && (
        <ul className="restore-vault" aria-label="Vault credentials">
          {list.data.credentials.map((c) => (
            <li key={c.id} data-testid="vault-credential" data-label={c.label}>
              <label>
                <input
                  type="checkbox"
                  checked={chosen.includes(c.id)}
                  onChange={(e) => toggleCredential(c.id, e.target.checked)}
                  data-testid="vault-choose"
                />{' '}
                <strong>{c.label}</strong> <span className="tag tag--neutral">{c.kind}</span>{' '}
                <span className="muted">{targetText(c.target)}</span>{' '}
                <span className="mono muted" title={c.fingerprint}>
                  {c.fingerprintKind === 'github-hashed-token' ? 'hashed_token ' : ''}
                  {short(c.fingerprint)}
                </span>
              </label>{' '}
              <button
                type="button"
                className="button button--small button--ghost"
                onClick={() => {
                  toggleCredential(c.id, false);
                  remove.mutate(c.id);
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {list.data && list.data.problems.length > 0 && (
        <ul className="notice">
          {list.data.problems.map((p) => (
            <li key={p.file}>
              <span className="mono">{p.file}</span>: {p.problem}
            </li>
          ))}
        </ul>
      )}
      <AddCredentialForm target={target} passphrase={passphrase} />
    </section>
  );
}
