import type { ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { CatalogSidebarSummary } from '../../features/catalog/catalog-sidebar';
import { useCommandHandler } from '../commands';
import { EmptyState } from '../ui/empty-state';
import {
  CatalogIcon,
  ComponentsIcon,
  DiffIcon,
  FindingsIcon,
  OverviewIcon,
  ReportIcon,
  RestoreIcon,
  SourcesIcon,
  TimelineIcon,
} from '../ui/icons';
import { Keys } from '../ui/keys';

interface NavEntry {
  readonly to: string;
  readonly label: string;
  readonly keys: string;
  readonly icon: ReactNode;
}

const views: ReadonlyArray<NavEntry> = [
  { to: '/', label: 'Overview', keys: 'g o', icon: <OverviewIcon /> },
  { to: '/timeline', label: 'Timeline', keys: 'g t', icon: <TimelineIcon /> },
  { to: '/catalog', label: 'Catalog', keys: 'g a', icon: <CatalogIcon /> },
  { to: '/diff', label: 'Diff', keys: 'g d', icon: <DiffIcon /> },
  { to: '/restore', label: 'Restore', keys: 'g r', icon: <RestoreIcon /> },
  { to: '/report', label: 'Report', keys: 'g p', icon: <ReportIcon /> },
];

function NavItem(props: { readonly entry: NavEntry }) {
  const { entry } = props;
  return (
    <li>
      <NavLink to={entry.to} end={entry.to === '/'} className="nav__link">
        <span className="nav__icon">{entry.icon}</span>
        <span className="nav__label">{entry.label}</span>
        <Keys keys={entry.keys} />
      </NavLink>
    </li>
  );
}

function IncidentSection(props: {
  readonly id: string;
  readonly title: string;
  readonly icon: ReactNode;
  readonly children: ReactNode;
}) {
  return (
    <section className="incident-section" aria-labelledby={props.id} data-testid={props.id}>
      <h2 id={props.id} className="incident-section__title">
        <span className="nav__icon">{props.icon}</span>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/**
 * The sidebar: the views, the incident's inputs, and the local components check.
 *
 * Sources, Catalog and Findings are where an incident's material lives. The Catalog
 * section shows the open snapshot catalog and its standing; Sources and Findings say
 * what they will hold and that loading it is not built yet. The sidebar is always on
 * screen, so it also binds `g a`, which jumps to the Catalog view.
 */
export function Sidebar() {
  const navigate = useNavigate();
  useCommandHandler('go.catalog', () => void navigate('/catalog'));
  return (
    <aside className="sidebar" data-testid="sidebar" aria-label="Incident and navigation">
      <nav aria-label="Views">
        <ul className="nav">
          {views.map((entry) => (
            <NavItem key={entry.to} entry={entry} />
          ))}
        </ul>
      </nav>

      <div className="sidebar__incident">
        <IncidentSection id="sidebar-sources" title="Sources" icon={<SourcesIcon />}>
          <EmptyState compact title="No audit trails loaded.">
            <p>
              Bulkhead will read GitHub and GitLab audit logs, CloudTrail, Kubernetes audit and
              agent transcripts (Claude Code, Codex CLI). Loading them is not built yet; it comes in
              a later release.
            </p>
          </EmptyState>
        </IncidentSection>
        <IncidentSection id="sidebar-catalog" title="Catalog" icon={<CatalogIcon />}>
          <CatalogSidebarSummary />
        </IncidentSection>
        <IncidentSection id="sidebar-findings" title="Findings" icon={<FindingsIcon />}>
          <EmptyState compact title="No findings.">
            <p>
              Findings (destructive bursts, a credential used outside its scope, backup deletion,
              retry loops) are raised from loaded trails. Not built yet.
            </p>
          </EmptyState>
        </IncidentSection>
      </div>

      <nav aria-label="Tools" className="sidebar__tools">
        <ul className="nav">
          <NavItem
            entry={{
              to: '/components',
              label: 'Local components',
              keys: 'g c',
              icon: <ComponentsIcon />,
            }}
          />
        </ul>
      </nav>
    </aside>
  );
}
