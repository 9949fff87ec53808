import type { PullRequestState } from '../../../shared/domain/forge-state';
import { describeError } from '../../api/api-error';
import { formatTime, shortSha } from './format';
import { usePullRequest } from './queries';

function stateText(pull: PullRequestState): string {
  if (pull.merged) return 'merged';
  if (pull.state === 'open' && pull.draft) return 'draft';
  return pull.state;
}

function Conversation(props: { readonly pull: PullRequestState }) {
  const { pull } = props;
  const entries = [
    ...pull.reviews.map((r) => ({
      key: `review-${r.id}`,
      at: r.submittedAt ?? '',
      who: r.author,
      what: `review: ${r.state.toLowerCase().replace('_', ' ')}`,
      body: r.body,
    })),
    ...pull.comments.map((c) => ({
      key: `comment-${c.id}`,
      at: c.createdAt,
      who: c.author,
      what: 'comment',
      body: c.body,
    })),
    ...pull.reviewComments.map((c) => ({
      key: `review-comment-${c.id}`,
      at: c.createdAt,
      who: c.author,
      what: `on ${c.path}${c.line === null ? '' : `:${c.line}`}`,
      body: c.body,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  if (entries.length === 0) return <p className="muted">No reviews or comments.</p>;
  return (
    <ol className="conversation" aria-label="Reviews and comments">
      {entries.map((e) => (
        <li key={e.key} className="conversation__item">
          <div className="conversation__head">
            <strong>{e.who}</strong> <span className="muted">{e.what}</span>
            <span className="muted conversation__time">{formatTime(e.at || null)}</span>
          </div>
          {e.body ? <p className="conversation__body">{e.body}</p> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * One pull request as the snapshot holds it: what a restore would recreate.
 *
 * Bodies are shown as plain text (never rendered as Markdown or HTML): they were written
 * by whoever could open a pull request, possibly the agent under investigation.
 */
export function PullDetail(props: {
  readonly catalogId: string;
  readonly seq: number;
  readonly repo: string;
  readonly number: number;
  readonly onBack: () => void;
}) {
  const pull = usePullRequest(props.catalogId, props.seq, props.repo, props.number);
  return (
    <article className="pull-detail" data-testid="pull-detail" aria-labelledby="pull-detail-title">
      <button type="button" className="button button--small button--ghost" onClick={props.onBack}>
        ← All pull requests
      </button>
      {pull.isPending ? <p className="muted">Reading pull request #{props.number}…</p> : null}
      {pull.isError ? (
        <p className="notice notice--error" role="alert">
          Could not read pull request #{props.number} of {props.repo}: {describeError(pull.error)}
        </p>
      ) : null}
      {pull.data ? (
        <>
          <header className="pull-detail__header">
            <h3 id="pull-detail-title">
              {pull.data.title} <span className="muted">#{pull.data.number}</span>
            </h3>
            <span className={`tag pull-state pull-state--${stateText(pull.data)}`}>
              {stateText(pull.data)}
            </span>
          </header>
          <dl className="facts">
            <dt>Author</dt>
            <dd>{pull.data.author}</dd>
            <dt>Base</dt>
            <dd>
              <code>{pull.data.base.ref}</code>{' '}
              <span className="mono muted" title={pull.data.base.sha}>
                {shortSha(pull.data.base.sha)}
              </span>
            </dd>
            <dt>Head</dt>
            <dd>
              <code>{pull.data.head.ref}</code>{' '}
              <span className="mono muted" title={pull.data.head.sha}>
                {shortSha(pull.data.head.sha)}
              </span>
              {pull.data.head.repo ? (
                <span className="muted"> from {pull.data.head.repo}</span>
              ) : (
                <span className="muted"> (fork gone)</span>
              )}
            </dd>
            <dt>Labels</dt>
            <dd>
              {pull.data.labels.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                pull.data.labels.map((l) => (
                  <span key={l} className="tag tag--neutral label-tag">
                    {l}
                  </span>
                ))
              )}
            </dd>
            <dt>Reviewers</dt>
            <dd>
              {pull.data.requestedReviewers.length === 0 ? (
                <span className="muted">none requested</span>
              ) : (
                pull.data.requestedReviewers.join(', ')
              )}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(pull.data.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{formatTime(pull.data.updatedAt)}</dd>
            {pull.data.closedAt ? (
              <>
                <dt>Closed</dt>
                <dd>{formatTime(pull.data.closedAt)}</dd>
              </>
            ) : null}
          </dl>
          <section aria-label="Description">
            <h4 className="subhead">Description</h4>
            {pull.data.body ? (
              <pre className="pull-detail__body">{pull.data.body}</pre>
            ) : (
              <p className="muted">No description.</p>
            )}
          </section>
          <section aria-label="Conversation">
            <h4 className="subhead">
              Reviews ({pull.data.reviews.length}) and comments (
              {pull.data.comments.length + pull.data.reviewComments.length})
            </h4>
            <Conversation pull={pull.data} />
          </section>
        </>
      ) : null}
    </article>
  );
}
