import type { ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { CatalogSidebarSummary } from '../../features/catalog/catalog-sidebar';
import { FindingsSidebarSummary } from '../../features/findings/findings-sidebar';
import { SourcesSidebarSummary } from '../../features/sources/sources-sidebar';
import { useCommandHandler } from '../commands';
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
  { to: '/sources', label: 'Sources', keys: 'g s', icon: <SourcesIcon /> },
  { to: '/findings', label: 'Findings', keys: 'g f', icon: <FindingsIcon /> },
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
 * section shows the open snapshot catalog and its standing; Sources counts the loaded
 * trails and their events, Findings the findings raised from them. The sidebar is always on
 * screen, so it also binds `g a`, which jumps to the Catalog view.
 */
export function Sidebar() {
  const navigate = useNavigate();
  useCommandHandler('go.catalog', () => void navigate('/catalog'));
  useCommandHandler('go.sources', () => void navigate('/sources'));
  useCommandHandler('go.findings', () => void navigate('/findings'));
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
          <SourcesSidebarSummary />
        </IncidentSection>
        <IncidentSection id="sidebar-catalog" title="Catalog" icon={<CatalogIcon />}>
          <CatalogSidebarSummary />
        </IncidentSection>
        <IncidentSection id="sidebar-findings" title="Findings" icon={<FindingsIcon />}>
          <FindingsSidebarSummary />
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
