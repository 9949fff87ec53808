import { blastRadius } from '../../../shared/diff/diff-engine';
import {
  renderHtml,
  renderJson,
  renderMarkdown,
  type IncidentReport,
  type ReportNote,
  type ReportRestore,
} from '../../../shared/diff/report';
import type { RestoreForReport } from '../restore/store';
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
 * The restore as the report carries it: the plan in brief, each operation's fidelity and
 * the journal's outcome for it, the approval as recorded, and the signed verification.
 */
export function restoreForReport(r: RestoreForReport): ReportRestore {
  const states = new Map(r.status.operations.map((o) => [o.opId, o]));
  return {
    planHash: r.plan.planHash,
    incident: r.plan.plan.incident,
    target: { apiUrl: r.plan.plan.target.apiUrl, owner: r.plan.plan.target.owner },
    snapshotSeq: r.plan.plan.catalog.snapshotSeq,
    operations: r.plan.plan.operations.map((op) => ({
      id: op.id,
      fidelity: op.fidelity,
      note: op.note,
      state: states.get(op.id)?.state ?? 'pending',
      message: states.get(op.id)?.message ?? null,
    })),
    unrepaired: r.plan.plan.unrepaired,
    approval: r.status.approval,
    journal: {
      records: r.status.records,
      retries: r.status.retries,
      finished: r.status.finished,
      cancelled: r.status.cancelled,
    },
    verification: r.verification ?? r.status.verification,
  };
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
