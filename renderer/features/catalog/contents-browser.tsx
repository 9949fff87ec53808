import type { ReactNode } from 'react';
import type {
  RepoView,
  SnapshotContents,
  VariableName,
  VariableScope,
} from '../../../shared/catalog/catalog-view';
import { assertNever } from '../../../shared/util/assert-never';
import { describeError } from '../../api/api-error';
import { formatTime, shortSha } from './format';
import { PullDetail } from './pull-detail';
import { useRevealVariables, useSnapshotContents } from './queries';
import { selectPull, selectRepo, selectTab, useCatalogStore, type BrowserTab } from './store';

const tabs: ReadonlyArray<readonly [BrowserTab, string]> = [
  ['refs', 'Refs'],
  ['pulls', 'Pull requests'],
  ['variables', 'Variables'],
  ['secrets', 'Secrets'],
  ['environments', 'Environments'],
];

function tabCount(repo: RepoView, tab: BrowserTab): string {
  switch (tab) {
    case 'refs':
      return String(repo.refsTotal);
    case 'pulls':
      return String(repo.pulls.length);
    case 'variables':
      return repo.variables === null ? '–' : String(repo.variables.length);
    case 'secrets':
      return repo.secrets === null ? '–' : String(repo.secrets.length);
    case 'environments':
      return repo.environments === null ? '–' : String(repo.environments.length);
    default:
      return assertNever(tab, 'browser tab');
  }
}

function Empty(props: { readonly children: ReactNode }) {
  return <p className="muted browser__empty">{props.children}</p>;
}

function RefsTab(props: { readonly repo: RepoView }) {
  const { repo } = props;
  if (repo.refsTotal === 0) return <Empty>The snapshot holds no refs for {repo.name}.</Empty>;
  return (
    <>
      <table className="table table--compact" data-testid="refs-table">
        <caption className="visually-hidden">Refs of {repo.name}</caption>
        <thead>
          <tr>
            <th scope="col">Ref</th>
            <th scope="col">Commit</th>
          </tr>
        </thead>
        <tbody>
          {repo.refs.map((ref) => (
            <tr key={ref.name}>
              <th scope="row" className="mono break">
                {ref.name}
                {ref.name === `refs/heads/${repo.summary.defaultBranch}` ? (
                  <span className="tag tag--neutral label-tag">default</span>
                ) : null}
              </th>
              <td className="mono" title={ref.sha}>
                {shortSha(ref.sha)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {repo.refs.length < repo.refsTotal ? (
        <p className="muted">
          Showing {repo.refs.length} of {repo.refsTotal} refs.
        </p>
      ) : null}
      <p className="muted">
        Git data: {repo.bundles} bundle{repo.bundles === 1 ? '' : 's'}.
      </p>
    </>
  );
}

function PullsTab(props: { readonly repo: RepoView }) {
  const { repo } = props;
  if (repo.pulls.length === 0)
    return <Empty>The snapshot holds no pull requests for {repo.name}.</Empty>;
  return (
    <table className="table table--compact" data-testid="pulls-table">
      <caption className="visually-hidden">Pull requests of {repo.name}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Title</th>
          <th scope="col">State</th>
          <th scope="col">Author</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {repo.pulls.map((pull) => (
          <tr key={pull.number} data-status={pull.state === 'unreadable' ? 'error' : 'ok'}>
            <td className="num">{pull.number}</td>
            <th scope="row">
              {pull.title === null ? (
                <span className="muted">(unreadable: see problems)</span>
              ) : (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => selectPull(pull.number)}
                >
                  {pull.title}
                </button>
              )}
            </th>
            <td>
              <span className={`tag pull-state pull-state--${pull.state}`}>{pull.state}</span>
            </td>
            <td>{pull.author ?? '—'}</td>
            <td className="nowrap">{formatTime(pull.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Variables by name, with their values behind an explicit Reveal.
 *
 * Values can be credentials in all but name; showing them only on request keeps them off
 * a screen that is being shared mid-incident. Hiding drops them from memory.
 */
function VariableTable(props: {
  readonly label: string;
  readonly variables: ReadonlyArray<VariableName>;
  readonly request: { catalogId: string; seq: number; repo: string; scope: VariableScope };
}) {
  const reveal = useRevealVariables();
  const values = new Map(reveal.data?.variables.map((v) => [v.name, v.value]) ?? []);
  const shown = reveal.isSuccess;
  if (props.variables.length === 0) return <Empty>No variables ({props.label}).</Empty>;
  return (
    <div className="variables" data-testid="variables" data-scope={props.label}>
      <div className="variables__bar">
        <span className="muted">{props.label}</span>
        {shown ? (
          <button type="button" className="button button--small" onClick={() => reveal.reset()}>
            Hide values
          </button>
        ) : (
          <button
            type="button"
            className="button button--small"
            disabled={reveal.isPending}
            onClick={() => reveal.mutate(props.request)}
            aria-label={`Reveal values (${props.label})`}
          >
            {reveal.isPending ? 'Revealing…' : 'Reveal values'}
          </button>
        )}
      </div>
      {reveal.isError ? (
        <p className="notice notice--error" role="alert">
          Could not read the values: {describeError(reveal.error)}
        </p>
      ) : null}
      <table className="table table--compact">
        <caption className="visually-hidden">Variables ({props.label})</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {props.variables.map((v) => (
            <tr key={v.name}>
              <th scope="row" className="mono">
                {v.name}
              </th>
              <td className="mono break">
                {shown ? (
                  (values.get(v.name) ?? <span className="muted">(not in snapshot)</span>)
                ) : (
                  <span className="muted">hidden</span>
                )}
              </td>
              <td className="nowrap">{formatTime(v.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SecretTable(props: { readonly secrets: RepoView['secrets']; readonly label: string }) {
  if (props.secrets === null)
    return <Empty>The snapshot did not capture secrets ({props.label}).</Empty>;
  if (props.secrets.length === 0) return <Empty>No secrets ({props.label}).</Empty>;
  return (
    <table className="table table--compact" data-testid="secrets-table">
      <caption className="visually-hidden">Secrets ({props.label})</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {props.secrets.map((s) => (
          <tr key={s.name}>
            <th scope="row" className="mono">
              {s.name}
            </th>
            <td className="nowrap">{formatTime(s.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TabBody(props: {
  readonly repo: RepoView;
  readonly tab: BrowserTab;
  readonly catalogId: string;
  readonly seq: number;
}) {
  const { repo, tab, catalogId, seq } = props;
  const selectedPull = useCatalogStore((s) => s.selectedPull);
  switch (tab) {
    case 'refs':
      return <RefsTab repo={repo} />;
    case 'pulls':
      return selectedPull === null ? (
        <PullsTab repo={repo} />
      ) : (
        <PullDetail
          catalogId={catalogId}
          seq={seq}
          repo={repo.name}
          number={selectedPull}
          onBack={() => selectPull(null)}
        />
      );
    case 'variables':
      return repo.variables === null ? (
        <Empty>The snapshot did not capture Actions variables for {repo.name}.</Empty>
      ) : (
        <VariableTable
          key={`${catalogId}-${seq}-${repo.name}`}
          label="repository"
          variables={repo.variables}
          request={{ catalogId, seq, repo: repo.name, scope: { kind: 'repository' } }}
        />
      );
    case 'secrets':
      return (
        <>
          <p className="muted">
            Providers never return secret values: names and update times only.
            {repo.sealedSecretValues
              ? ' Sealed values were captured; only the restore key opens them.'
              : ''}
          </p>
          <SecretTable secrets={repo.secrets} label="repository" />
        </>
      );
    case 'environments':
      if (repo.environments === null)
        return <Empty>The snapshot did not capture environments for {repo.name}.</Empty>;
      if (repo.environments.length === 0)
        return <Empty>{repo.name} has no environments in this snapshot.</Empty>;
      return (
        <div className="environments">
          {repo.environments.map((env) => (
            <section key={env.name} className="environment" aria-label={`Environment ${env.name}`}>
              <h4 className="subhead">{env.name}</h4>
              <VariableTable
                key={`${catalogId}-${seq}-${repo.name}-${env.name}`}
                label={`environment ${env.name}`}
                variables={env.variables}
                request={{
                  catalogId,
                  seq,
                  repo: repo.name,
                  scope: { kind: 'environment', environment: env.name },
                }}
              />
              <SecretTable secrets={env.secrets} label={`environment ${env.name}`} />
            </section>
          ))}
        </div>
      );
    default:
      return assertNever(tab, 'browser tab');
  }
}

function RepoPane(props: {
  readonly repo: RepoView;
  readonly catalogId: string;
  readonly seq: number;
}) {
  const { repo } = props;
  const tab = useCatalogStore((s) => s.tab);
  return (
    <div className="browser__pane" data-testid="repo-pane" data-repo={repo.name}>
      <header className="browser__repo-head">
        <h3>{repo.name}</h3>
        <span className="tag tag--neutral">{repo.summary.private ? 'private' : 'public'}</span>
        {repo.summary.archived ? <span className="tag tag--neutral">archived</span> : null}
        {repo.summary.description ? <p className="muted">{repo.summary.description}</p> : null}
      </header>
      {repo.problems.length > 0 ? (
        <ul className="problem-list" aria-label={`Problems reading ${repo.name}`}>
          {repo.problems.map((p) => (
            <li key={`${p.object}-${p.problem}`}>
              <code className="break">{p.object}</code>
              <span>{p.problem}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="tabs" role="tablist" aria-label={`Contents of ${repo.name}`}>
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls="browser-tabpanel"
            className="tabs__tab"
            onClick={() => selectTab(id)}
          >
            {label} <span className="tabs__count">{tabCount(repo, id)}</span>
          </button>
        ))}
      </div>
      <div
        id="browser-tabpanel"
        role="tabpanel"
        aria-labelledby={`tab-${tab}`}
        className="tabs__panel"
      >
        <TabBody repo={repo} tab={tab} catalogId={props.catalogId} seq={props.seq} />
      </div>
    </div>
  );
}

/**
 * The contents of the selected snapshot: repositories, then refs, pull requests,
 * variables, secrets and environments of the one selected.
 */
export function ContentsBrowser(props: { readonly catalogId: string; readonly seq: number }) {
  const contents = useSnapshotContents(props.catalogId, props.seq);
  const selectedRepo = useCatalogStore((s) => s.selectedRepo);
  return (
    <section
      className="card browser"
      aria-labelledby="browser-title"
      data-testid="contents-browser"
    >
      <div className="card__header">
        <h2 id="browser-title">Snapshot #{props.seq} contents</h2>
      </div>
      {contents.isPending ? <p className="muted">Reading snapshot #{props.seq}…</p> : null}
      {contents.isError ? (
        <p className="notice notice--error" role="alert" data-testid="contents-error">
          Could not read snapshot #{props.seq}: {describeError(contents.error)}
        </p>
      ) : null}
      {contents.data ? (
        <Loaded contents={contents.data} selectedRepo={selectedRepo} catalogId={props.catalogId} />
      ) : null}
    </section>
  );
}

function Loaded(props: {
  readonly contents: SnapshotContents;
  readonly selectedRepo: string | null;
  readonly catalogId: string;
}) {
  const { repos, summary } = props.contents;
  if (repos.length === 0) return <Empty>Snapshot #{summary.seq} covers no repositories.</Empty>;
  const current = repos.find((r) => r.name === props.selectedRepo) ?? repos[0];
  return (
    <div className="browser__layout">
      <nav className="browser__repos" aria-label="Repositories">
        <ul>
          {repos.map((repo) => (
            <li key={repo.name}>
              <button
                type="button"
                className="browser__repo"
                aria-current={repo === current ? 'true' : undefined}
                onClick={() => selectRepo(repo.name)}
              >
                <span className="break">{repo.name}</span>
                <span className="muted browser__repo-counts">
                  {repo.refsTotal} refs · {repo.pulls.length} PRs
                  {repo.problems.length > 0 ? ' · ' : ''}
                  {repo.problems.length > 0 ? (
                    <span className="danger-text">{repo.problems.length} problems</span>
                  ) : null}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {current ? <RepoPane repo={current} catalogId={props.catalogId} seq={summary.seq} /> : null}
    </div>
  );
}
