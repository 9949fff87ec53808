import { Link } from 'react-router';
import type { AgentContext, NormalizedEvent } from '../../../shared/ingest/event';
import type { EventLink } from '../../../shared/timeline/queries';
import { formatInstant } from '../../../shared/timeline/time-scale';
import { BookmarkEditor } from './bookmark-editor';
import { useEventDetail } from './queries';
import { closeDetail, selectEvent } from './store';

/** The raw record for reading: pretty JSON when it parses, else as stored. */
export function prettyRaw(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw) as unknown, null, 2);
  } catch {
    return raw;
  }
}

function Field(props: { readonly label: string; readonly children: React.ReactNode }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

/** The transcript's side of an event: the prompt, the model, the tool call and its fate. */
function TranscriptTurn(props: { readonly agent: AgentContext; readonly heading: string }) {
  const { agent } = props;
  return (
    <section className="detail__turn" data-testid="detail-turn" aria-label={props.heading}>
      <h3>{props.heading}</h3>
      <dl className="detail__fields">
        <Field label="Session">
          <code>{agent.session}</code>
        </Field>
        {agent.model !== null && <Field label="Model">{agent.model}</Field>}
        {agent.promptExcerpt !== null && (
          <Field label="Prompt">
            <blockquote className="detail__prompt">{agent.promptExcerpt}</blockquote>
          </Field>
        )}
        {agent.toolName !== null && (
          <Field label="Tool call">
            <code>{agent.toolName}</code>
            {agent.toolCallId !== null && <span className="muted"> ({agent.toolCallId})</span>}
          </Field>
        )}
        {agent.toolInput !== null && (
          <Field label="Input">
            <pre className="detail__code" data-testid="detail-tool-input">
              {agent.toolInput}
            </pre>
          </Field>
        )}
        <Field label="Result">
          {agent.rejected ? (
            <span className="chip chip--danger">rejected by the user</span>
          ) : agent.isError ? (
            <span className="chip chip--warn">returned an error</span>
          ) : (
            <span className="muted">no error reported</span>
          )}
        </Field>
        {agent.approval !== null && <Field label="Approval">{agent.approval}</Field>}
      </dl>
    </section>
  );
}

function LinkList(props: { readonly links: ReadonlyArray<EventLink>; readonly total: number }) {
  return (
    <ul className="detail__links" data-testid="detail-related">
      {props.links.map((link) => (
        <li key={link.summary.row}>
          <button
            type="button"
            className="link-button"
            onClick={() => selectEvent(link.summary.row, link.summary.time)}
          >
            <span className="mono">{formatInstant(link.summary.time)}</span>{' '}
            <span className={link.summary.destructive ? 'danger' : ''}>{link.summary.action}</span>{' '}
            <span className="mono muted">{link.summary.target ?? ''}</span>
          </button>
        </li>
      ))}
      {props.total > props.links.length && (
        <li className="muted">and {props.total - props.links.length} more</li>
      )}
    </ul>
  );
}

function NormalisedFields({ event }: { readonly event: NormalizedEvent }) {
  return (
    <dl className="detail__fields" data-testid="detail-fields">
      <Field label="Time">
        <span className="mono">{formatInstant(event.time)}</span>
      </Field>
      <Field label="Action">
        <code>{event.action.provider}</code> <span className="muted">({event.action.class})</span>
        {event.action.destructive && <span className="chip chip--danger">destructive</span>}
      </Field>
      <Field label="Actor">
        {event.actor.name || event.actor.id} <span className="muted">({event.actor.kind})</span>
      </Field>
      <Field label="Target">
        {event.target === null ? (
          <span className="muted">none</span>
        ) : (
          <>
            <code>{event.target.key}</code> <span className="muted">({event.target.kind})</span>{' '}
            <Link
              to={`/diff?resource=${encodeURIComponent(event.target.key)}`}
              data-testid="detail-show-diff"
            >
              What differs now
            </Link>
          </>
        )}
      </Field>
      <Field label="Credential">
        {event.credential === null ? (
          <span className="muted">none recorded</span>
        ) : (
          <>
            <code className="detail__fingerprint">{event.credential.fingerprint}</code>{' '}
            <span className="muted">
              ({event.credential.type ?? event.credential.kind}
              {event.credential.scopes.length > 0 ? `; ${event.credential.scopes.join(', ')}` : ''})
            </span>
          </>
        )}
      </Field>
      <Field label="Outcome">{event.outcome}</Field>
      <Field label="Source">
        <span className="mono">
          {event.format}, line {event.raw.line}, byte {event.raw.offset}
        </span>
      </Field>
    </dl>
  );
}

/**
 * The detail panel: one event's normalised fields, its raw record, the transcript turn
 * that explains it and the events it is correlated with.
 */
export function EventDetailPanel({ row }: { readonly row: number }) {
  const detail = useEventDetail(row);
  return (
    <aside className="detail" data-testid="event-detail" aria-label="Event detail">
      <header className="detail__header">
        <h2>Event</h2>
        <button
          type="button"
          className="button button--quiet"
          onClick={closeDetail}
          aria-label="Close the detail panel"
        >
          Close
        </button>
      </header>
      {detail.isPending && <p className="muted">Loading…</p>}
      {detail.isError && (
        <p role="alert" className="danger">
          This event could not be read: {detail.error.message}
        </p>
      )}
      {detail.data !== undefined && (
        <div className="detail__body">
          <NormalisedFields event={detail.data.event} />
          <BookmarkEditor event={detail.data.event} />
          {detail.data.event.agent !== null ? (
            <TranscriptTurn agent={detail.data.event.agent} heading="Transcript turn" />
          ) : detail.data.cause?.agent ? (
            <TranscriptTurn
              agent={detail.data.cause.agent}
              heading="Caused by the agent's tool call"
            />
          ) : (
            <p className="muted" data-testid="detail-no-cause">
              No tool call in the loaded transcripts explains this event.
            </p>
          )}
          {detail.data.cause !== null && (
            <section>
              <h3>Tool call</h3>
              <LinkList links={[detail.data.cause]} total={1} />
            </section>
          )}
          {detail.data.relatedCount > 0 && (
            <section>
              <h3>
                {detail.data.event.agent !== null
                  ? 'Provider events it caused'
                  : 'Other events of the same call'}{' '}
                ({detail.data.relatedCount})
              </h3>
              <LinkList links={detail.data.related} total={detail.data.relatedCount} />
            </section>
          )}
          <section>
            <h3>Raw record</h3>
            {detail.data.raw === null ? (
              <p className="muted">This source kept no raw text.</p>
            ) : (
              <pre className="detail__code detail__raw" data-testid="detail-raw">
                {prettyRaw(detail.data.raw)}
              </pre>
            )}
          </section>
        </div>
      )}
    </aside>
  );
}
