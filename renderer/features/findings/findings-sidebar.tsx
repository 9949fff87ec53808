import { Link } from 'react-router';
import { EmptyState } from '../../app/ui/empty-state';
import { plural } from '../catalog/format';
import { useFindingsStore } from './store';

/** The sidebar's Findings section: how many findings, and how many are critical. */
export function FindingsSidebarSummary() {
  const findings = useFindingsStore((s) => s.findings);
  if (findings.length === 0) {
    return (
      <EmptyState compact title="No findings.">
        <p>
          Findings are raised from loaded trails. <Link to="/findings">Findings</Link>
        </p>
      </EmptyState>
    );
  }
  const critical = findings.filter((f) => f.severity === 'critical').length;
  return (
    <Link to="/findings" className="sidebar-count" data-testid="sidebar-findings-summary">
      {plural(findings.length, 'finding')}
      {critical > 0 ? <span className="muted"> · {critical} critical</span> : null}
    </Link>
  );
}
