import type { ReactNode } from 'react';

/**
 * An honest empty state: what is missing, what to load, and what is not built yet.
 *
 * Every view starts empty mid-incident; telling the user exactly what it needs (and
 * when a capability is not in this release) saves them from hunting for a button that
 * does not exist.
 */
export function EmptyState(props: {
  readonly title: string;
  readonly children: ReactNode;
  /** Said plainly when the capability is not in this release. */
  readonly notBuilt?: string;
  readonly icon?: ReactNode;
  readonly compact?: boolean;
}) {
  return (
    <div className={props.compact ? 'empty-state empty-state--compact' : 'empty-state'}>
      {props.icon ? (
        <div className="empty-state__icon" aria-hidden="true">
          {props.icon}
        </div>
      ) : null}
      <p className="empty-state__title">{props.title}</p>
      <div className="empty-state__body">{props.children}</div>
      {props.notBuilt ? (
        <p className="empty-state__not-built">
          <span className="tag tag--neutral">Not built yet</span> {props.notBuilt}
        </p>
      ) : null}
    </div>
  );
}
