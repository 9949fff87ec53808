import type { ReactNode } from 'react';

/**
 * The heading block every view starts with.
 *
 * One `h1` per view, with the id the view's landmark is labelled by.
 */
export function ViewHeader(props: {
  readonly id: string;
  readonly title: string;
  readonly subtitle: string;
  readonly actions?: ReactNode;
}) {
  return (
    <header className="view-header">
      <div>
        <h1 id={props.id}>{props.title}</h1>
        <p className="view-header__subtitle">{props.subtitle}</p>
      </div>
      {props.actions ? <div className="view-header__actions">{props.actions}</div> : null}
    </header>
  );
}
