import { blastRadius } from '../../../shared/diff/diff-engine';
import {
  renderHtml,
  renderJson,
  renderMarkdown,
  type IncidentReport,
  type ReportNote,
} from '../../../shared/diff/report';
import type { RestoreForReport } from '../restore/store';
import { restoreForReport } from './restore-section';
import type { BookmarkRow } from '../../db/workspace-db';
import { comparedText, type DiffResult } from '../diff/store';
import type { FindingView } from '../../workers/ingest-protocol';
import { askStore } from '../sources/ingest-client';

export type ReportFormat = 'markdown' | 'html' | 'json';

const formats: Readonly<Record<ReportFormat, { extension: string; type: string }>> = {
  markdown: { extension: 'md', type: 'text/markdown' },
  html: { extension: 'html', type: 'text/html' },
  json: { extension: 'json', type: 'application/json' },
};

/** Everything the report is made of, as the views hold it now. */
export interface ReportParts {
  readonly findings: ReadonlyArray<FindingView>;
  readonly diff: DiffResult | null;
  readonly bookmarks: ReadonlyArray<BookmarkRow>;
  /** The restore the user added to the report, with its journal's summary. */
  readonly restore?: RestoreForReport | null;
}

/**
 * The incident report from the loaded trails, findings, the last diff and the notes.
 *
 * The timeline summary is counted in the worker that holds the events.
 */
export async function buildReport(parts: ReportParts, now: number): Promise<IncidentReport> {
  const timeline = await askStore({ kind: 'summary' });
  const differences = parts.diff?.differences ?? [];
  const notes: ReportNote[] = parts.bookmarks.map((b) => ({
    time: b.at,
    text: b.note ? `${b.label}: ${b.note}` : b.label,
  }));
  const takenAt = parts.diff?.baseline.takenAt ? Date.parse(parts.diff.baseline.takenAt) : NaN;
  return {
    title: 'Bulkhead incident report',
    generatedAt: now,
    baseline: parts.diff
      ? {
          snapshotId: parts.diff.baseline.snapshotId,
          takenAt: Number.isFinite(takenAt) ? takenAt : 0,
        }
      : null,
    compared: parts.diff ? comparedText(parts.diff.compared) : 'no diff computed',
    timeline,
    findings: parts.findings.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      title: f.title,
      time: f.at,
      cited: f.citedCount,
    })),
    blastRadius: blastRadius(differences),
    differences,
    ...(notes.length > 0 ? { notes } : {}),
    ...(parts.restore ? { restore: restoreForReport(parts.restore) } : {}),
  };
}

/** The report rendered in `format`, with its file name and type. */
export function renderReport(
  report: IncidentReport,
  format: ReportFormat,
): { readonly name: string; readonly type: string; readonly text: string } {
  const stamp = new Date(report.generatedAt).toISOString().replace(/[:.]/g, '-');
  const { extension, type } = formats[format];
  const text =
    format === 'markdown'
      ? renderMarkdown(report)
      : format === 'html'
        ? renderHtml(report)
        : renderJson(report);
  return { name: `bulkhead-incident-${stamp}.${extension}`, type, text };
}

/** Offers `text` as a file download (the browser's, or Electron's save dialog). */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
