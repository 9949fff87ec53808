/**
 * The few line icons the frame uses, drawn inline so the CSP needs no image source.
 *
 * They inherit `currentColor`, so they follow the theme and the text they sit beside.
 */
function Icon(props: { readonly d: string; readonly size?: number }) {
  const size = props.size ?? 16;
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={props.d} />
    </svg>
  );
}

/** Overview: a grid. */
export const OverviewIcon = () => <Icon d="M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z" />;
/** Timeline: lanes with marks. */
export const TimelineIcon = () => <Icon d="M3 6h18M3 12h18M3 18h18M7 4v4M14 10v4M10 16v4" />;
/** Diff: two columns. */
export const DiffIcon = () => <Icon d="M8 3v18M16 3v18M4 8h2M18 8h2M4 14h2M18 16h2" />;
/** Restore: a counter-clockwise arrow. */
export const RestoreIcon = () => <Icon d="M3 12a9 9 0 1 0 3-6.7M3 4v5h5" />;
/** Report: a document. */
export const ReportIcon = () => <Icon d="M6 3h9l4 4v14H6zM14 3v5h5M9 12h7M9 16h7" />;
/** Components: a chip. */
export const ComponentsIcon = () => (
  <Icon d="M7 7h10v10H7zM10 3v4M14 3v4M10 17v4M14 17v4M3 10h4M3 14h4M17 10h4M17 14h4" />
);
/** Sources: stacked records. */
export const SourcesIcon = () => (
  <Icon d="M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3" />
);
/** Catalog: a lock. */
export const CatalogIcon = () => <Icon d="M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4" />;
/** Findings: a flag. */
export const FindingsIcon = () => <Icon d="M5 21V4M5 4h11l-2 4 2 4H5" />;
/** Search / commands. */
export const CommandIcon = () => <Icon d="M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM20 20l-4-4" />;
