import { useState, type FormEvent } from 'react';
import { describeError } from '../../api/api-error';
import { formatTime } from './format';
import {
  useCatalogBusy,
  useOpenCatalog,
  useRecentLocation,
  type OpenCatalogInput,
} from './queries';

type Kind = 'directory' | 's3';

interface S3Fields {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const emptyS3: S3Fields = {
  endpoint: '',
  region: 'us-east-1',
  bucket: '',
  prefix: '',
  accessKeyId: '',
  secretAccessKey: '',
};

function Field(props: {
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: 'text' | 'password';
  readonly required?: boolean;
  readonly placeholder?: string;
  readonly autoComplete?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id} className="field__label">
        {props.label}
        {props.required ? null : <span className="field__optional"> (optional)</span>}
      </label>
      <input
        id={props.id}
        className="field__input"
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        spellCheck={false}
        onChange={(event) => props.onChange(event.target.value)}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
      />
      {props.hint ? (
        <p id={`${props.id}-hint`} className="field__hint">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/**
 * The "Open catalog" form: a directory (a catalog or an import folder) or an S3 location.
 *
 * The S3 secret key sits in a password field and in this component's state only; it is
 * sent once with `catalog:open` and never stored, so the form clears it after a
 * successful open. The last directory opened is offered as a one-click reopen.
 */
export function OpenCatalogForm(props: { readonly onOpened?: () => void }) {
  const open = useOpenCatalog();
  const recent = useRecentLocation();
  const { opening } = useCatalogBusy();
  const [kind, setKind] = useState<Kind>('directory');
  const [path, setPath] = useState('');
  const [key, setKey] = useState('');
  const [s3, setS3] = useState<S3Fields>(emptyS3);
  const setS3Field = (field: keyof S3Fields) => (value: string) =>
    setS3((current) => ({ ...current, [field]: value }));

  function submit(input: OpenCatalogInput): void {
    open.mutate(input, {
      onSuccess() {
        setS3((current) => ({ ...current, secretAccessKey: '' }));
        props.onOpened?.();
      },
    });
  }

  function onSubmit(event: FormEvent): void {
    event.preventDefault();
    if (opening) return;
    const pinned = key.trim();
    if (kind === 'directory') {
      submit({
        location: { kind: 'directory', path: path.trim() },
        ...(pinned ? { key: pinned } : {}),
      });
    } else {
      submit({ location: { kind: 's3', ...s3 }, ...(pinned ? { key: pinned } : {}) });
    }
  }

  const last = recent.data;
  return (
    <form
      className="card open-form"
      onSubmit={onSubmit}
      aria-labelledby="open-catalog-title"
      data-testid="open-catalog-form"
    >
      <h2 id="open-catalog-title">Open a snapshot catalog</h2>
      {last ? (
        <div className="open-form__recent" data-testid="recent-location">
          <span className="muted">Last opened</span>
          <code className="break">{last.path}</code>
          <span className="muted">{formatTime(new Date(last.openedAt).toISOString())}</span>
          <button
            type="button"
            className="button button--small"
            disabled={opening}
            onClick={() =>
              submit({
                location: { kind: 'directory', path: last.path },
                ...(last.key ? { key: last.key } : {}),
              })
            }
          >
            Reopen
          </button>
        </div>
      ) : null}
      <fieldset className="segmented">
        <legend className="visually-hidden">Where the catalog is</legend>
        <label
          className={kind === 'directory' ? 'segmented__option is-selected' : 'segmented__option'}
        >
          <input
            type="radio"
            name="catalog-kind"
            value="directory"
            checked={kind === 'directory'}
            onChange={() => setKind('directory')}
          />
          Directory
        </label>
        <label className={kind === 's3' ? 'segmented__option is-selected' : 'segmented__option'}>
          <input
            type="radio"
            name="catalog-kind"
            value="s3"
            checked={kind === 's3'}
            onChange={() => setKind('s3')}
          />
          S3 bucket
        </label>
      </fieldset>

      {kind === 'directory' ? (
        <Field
          id="catalog-path"
          label="Directory path"
          required
          value={path}
          onChange={setPath}
          placeholder="/mnt/backups/bulkhead-catalog"
          hint="A Bulkhead catalog, or another tool's backup folder (python-github-backup, git bundles or bare mirrors), opened read-only as an unsigned import."
        />
      ) : (
        <div className="field-grid">
          <Field
            id="s3-endpoint"
            label="Endpoint"
            value={s3.endpoint}
            onChange={setS3Field('endpoint')}
            placeholder="http://127.0.0.1:7480"
            hint="Empty for AWS S3."
          />
          <Field
            id="s3-region"
            label="Region"
            required
            value={s3.region}
            onChange={setS3Field('region')}
          />
          <Field
            id="s3-bucket"
            label="Bucket"
            required
            value={s3.bucket}
            onChange={setS3Field('bucket')}
          />
          <Field
            id="s3-prefix"
            label="Prefix"
            value={s3.prefix}
            onChange={setS3Field('prefix')}
            placeholder="catalogs/prod"
          />
          <Field
            id="s3-access-key"
            label="Access key ID"
            required
            value={s3.accessKeyId}
            onChange={setS3Field('accessKeyId')}
          />
          <Field
            id="s3-secret-key"
            label="Secret access key"
            type="password"
            required
            autoComplete="new-password"
            value={s3.secretAccessKey}
            onChange={setS3Field('secretAccessKey')}
            hint="Sent once to the host for this catalog only; never saved."
          />
        </div>
      )}
      <Field
        id="catalog-key"
        label="Pinned key"
        value={key}
        onChange={setKey}
        placeholder="sha256:…"
        hint="The catalog's key fingerprint (or base64 public key) from a trusted record. Without it the catalog's own key is trusted on first use, and the panel says so."
      />
      {open.isError ? (
        <p className="notice notice--error" role="alert" data-testid="open-error">
          Could not open the catalog: {describeError(open.error)}
        </p>
      ) : null}
      <div className="open-form__actions">
        <button type="submit" className="button button--primary" disabled={opening}>
          {opening ? 'Opening…' : 'Open catalog'}
        </button>
      </div>
    </form>
  );
}
