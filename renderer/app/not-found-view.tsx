import { Link, useLocation } from 'react-router';
import { ViewHeader } from './ui/view-header';

/** What an unknown route shows, instead of a blank main area. */
export function NotFoundView() {
  const location = useLocation();
  return (
    <section className="view" data-testid="view-not-found" aria-labelledby="view-not-found-title">
      <ViewHeader
        id="view-not-found-title"
        title="No such view"
        subtitle={`There is nothing at ${location.pathname}.`}
      />
      <p>
        <Link to="/">Go to the overview</Link>
      </p>
    </section>
  );
}
