import './timeline.css';
import { Link } from 'react-router';
import { formatInstant } from '../../../shared/timeline/time-scale';
import { useCursor } from './store';

/**
 * The timeline's cursor, as the views that follow it show it: the moment they describe.
 *
 * The Diff and Restore views read the same store as the timeline, so moving the cursor
 * there moves the moment here.
 */
export function CursorBadge(props: { readonly purpose: string }) {
  const cursor = useCursor();
  return (
    <p className="cursor-badge" data-testid="cursor-badge">
      {cursor === null ? (
        <>
          No moment chosen: set the cursor on the <Link to="/timeline">Timeline</Link>.
        </>
      ) : (
        <>
          At the timeline cursor, <span className="mono">{formatInstant(cursor)}</span>:{' '}
          {props.purpose} <Link to="/timeline">Move it on the Timeline</Link>.
        </>
      )}
    </p>
  );
}
