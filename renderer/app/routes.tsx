import { HashRouter, Navigate, Route, Routes } from 'react-router';
import { CatalogView } from '../features/catalog/catalog-view';
import { ComponentsView } from '../features/diagnostics/components-view';
import { DiffView } from '../features/diff/diff-view';
import { FindingsView } from '../features/findings/findings-view';
import { OverviewView } from '../features/overview/overview-view';
import { ReportView } from '../features/report/report-view';
import { RestoreView } from '../features/restore/restore-view';
import { SourcesView } from '../features/sources/sources-view';
import { TimelineView } from '../features/timeline/timeline-view';
import { AppFrame } from './layout/app-frame';
import { NotFoundView } from './not-found-view';

/**
 * The app's routes, in the URL fragment (`#/timeline`).
 *
 * Hash routes need no server support, so the same build works from `app://bulkhead/`
 * and from the browser host's static server; a reload lands on the same view.
 */
export function AppRoutes() {
  return (
    <HashRouter>
      <Routes>
        <Route element={<AppFrame />}>
          <Route index element={<OverviewView />} />
          <Route path="timeline" element={<TimelineView />} />
          <Route path="sources" element={<SourcesView />} />
          <Route path="catalog" element={<CatalogView />} />
          <Route path="findings" element={<FindingsView />} />
          <Route path="diff" element={<DiffView />} />
          <Route path="restore" element={<RestoreView />} />
          <Route path="report" element={<ReportView />} />
          <Route path="components" element={<ComponentsView />} />
          <Route path="settings" element={<Navigate to="/components" replace />} />
          <Route path="*" element={<NotFoundView />} />
        </Route>
      </Routes>
    </HashRouter>
  );
}
