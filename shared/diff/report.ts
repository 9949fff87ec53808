/**
 * The incident report: what happened, what it broke, and why, as evidence to hand on.
 *
 * One value (`IncidentReport`) rendered three ways: Markdown for tickets and chat, one
 * self-contained HTML file for people outside the tool (inline CSS, no script, nothing
 * fetched), and JSON for machines. Every string in a report may come from an attacker
 * (a PR title, a branch name, an actor's login), so both text renderers escape all of it;
 * variable values never appear (differences carry digests).
 */
import type { ActionClass, NormalizedEvent, SourceFormat } from '../ingest/event';
import type { Finding, FindingKind, FindingSeverity } from '../ingest/findings';
import type { BlastRadius, Difference } from './diff-model';
import { blastRadius } from './diff-engine';

/** A value and how many events carry it. */
export interface CountedValue {
  readonly value: string;
  readonly count: number;
}

/** The timeline in a few numbers. */
export interface TimelineSummary {
  readonly total: number;
  /** Epoch milliseconds of the first and last event; null without events. */
  readonly firstEvent: number | null;
  readonly lastEvent: number | null;
  readonly destructive: number;
  readonly bySource: Readonly<Partial<Record<SourceFormat, number>>>;
  readonly byClass: Readonly<Partial<Record<ActionClass, number>>>;
  /** Most frequent first (ties by value). */
  readonly topActors: ReadonlyArray<CountedValue>;
  readonly topCredentials: ReadonlyArray<CountedValue>;
}

/** A finding as the report lists it. */
export interface ReportFinding {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  readonly title: string;
  /** Epoch milliseconds. */
  readonly time: number;
  /** How many events it cites. */
  readonly cited: number;
}

/** A note or bookmark the responder wrote on the timeline. */
export interface ReportNote {
  readonly time: number;
  readonly text: string;
}

/** The signed verification of a restore, as `verifyRestore` made it (digests, never values). */
export interface ReportVerification {
  readonly planHash: string;
  readonly target: { readonly apiUrl: string; readonly owner: string; readonly gitUrl: string };
  readonly snapshot: {
    readonly catalogId: string;
    readonly snapshotSeq: number;
    readonly snapshotId: string | null;
  };
  readonly verifiedAt: string;
  readonly ok: boolean;
  readonly counts: { readonly ok: number; readonly mismatch: number; readonly skipped: number };
  readonly checks: ReadonlyArray<{
    readonly opId: string;
    readonly status: 'ok' | 'mismatch' | 'skipped';
    readonly expected: unknown;
    readonly found: unknown;
    readonly note: string;
  }>;
  /** Ed25519 over the canonical JSON of everything above; kept whole so a reader can check it. */
  readonly signature: {
    readonly publicKey: string;
    readonly fingerprint: string;
    readonly signature: string;
  };
}

/**
 * A restore as the report carries it: the plan in brief, the journal's summary (the
 * approval as recorded, with any isolation override, and each operation's outcome) and
 * the signed verification.
 */
export interface ReportRestore {
  readonly planHash: string;
  readonly incident: string;
  readonly target: { readonly apiUrl: string; readonly owner: string };
  readonly snapshotSeq: number;
  readonly operations: ReadonlyArray<{
    readonly id: string;
    readonly fidelity: string;
    readonly note: string;
    /** The journal's last state for it: done, already, skipped, failed, pending... */
    readonly state: string;
    readonly message: string | null;
  }>;
  readonly unrepaired: ReadonlyArray<{ readonly differenceId: string; readonly reason: string }>;
  /** The approval the journal recorded; null when none is (the restore never ran). */
  readonly approval: {
    readonly phrase: string;
    readonly approvedAt: string;
    readonly approverFingerprint: string | null;
    readonly overrideAcknowledgement: string | null;
    readonly isolation: string | null;
  } | null;
  readonly journal: {
    readonly records: number;
    readonly retries: number;
    readonly finished: boolean;
    readonly cancelled: boolean;
  };
  readonly verification: ReportVerification | null;
}

/** Everything a report says. */
export interface IncidentReport {
  readonly title: string;
  /** Epoch milliseconds. */
  readonly generatedAt: number;
  /** The snapshot differences are taken from; null when none was chosen. */
  readonly baseline: { readonly snapshotId: string; readonly takenAt: number } | null;
  /** What the baseline was compared with: "live state", "state replayed to <time>". */
  readonly compared: string;
  /** When the compared state was replayed: events applied and events it could not replay. */
  readonly replay?: { readonly applied: number; readonly unknown: number };
  readonly timeline: TimelineSummary;
  readonly findings: ReadonlyArray<ReportFinding>;
  readonly blastRadius: BlastRadius;
  readonly differences: ReadonlyArray<Difference>;
  readonly notes?: ReadonlyArray<ReportNote>;
  /** The restore, when one was added to the report. */
  readonly restore?: ReportRestore;
}

function top(counts: Map<string, number>, limit: number): CountedValue[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, limit);
}

/** The timeline summary of `events` in one pass; `limit` actors and credentials at most. */
export function summariseTimeline(events: Iterable<NormalizedEvent>, limit = 10): TimelineSummary {
  let total = 0;
  let destructive = 0;
  let firstEvent: number | null = null;
  let lastEvent: number | null = null;
  const bySource: Partial<Record<SourceFormat, number>> = {};
  const byClass: Partial<Record<ActionClass, number>> = {};
  const actors = new Map<string, number>();
  const credentials = new Map<string, number>();
  for (const e of events) {
    total++;
    if (e.action.destructive) destructive++;
    if (firstEvent === null || e.time < firstEvent) firstEvent = e.time;
    if (lastEvent === null || e.time > lastEvent) lastEvent = e.time;
    bySource[e.format] = (bySource[e.format] ?? 0) + 1;
    byClass[e.action.class] = (byClass[e.action.class] ?? 0) + 1;
    const actor = e.actor.id || e.actor.name;
    actors.set(actor, (actors.get(actor) ?? 0) + 1);
    if (e.credential) {
      const f = e.credential.fingerprint;
      credentials.set(f, (credentials.get(f) ?? 0) + 1);
    }
  }
  return {
    total,
    firstEvent,
    lastEvent,
    destructive,
    bySource,
    byClass,
    topActors: top(actors, limit),
    topCredentials: top(credentials, limit),
  };
}

/** Findings as the report lists them, in time order. */
export function reportFindings(findings: ReadonlyArray<Finding>): ReportFinding[] {
  return findings
    .map((f) => ({
      kind: f.kind,
      severity: f.severity,
      title: f.title,
      time: f.at,
      cited: f.events.length,
    }))
    .sort((a, b) => a.time - b.time);
}

/** The inputs of {@link createReport}. */
export interface ReportInputs {
  readonly title: string;
  readonly generatedAt: number;
  readonly baseline: IncidentReport['baseline'];
  readonly compared: string;
  readonly replay?: IncidentReport['replay'];
  readonly timeline: TimelineSummary;
  readonly findings: ReadonlyArray<Finding>;
  /** Linked differences (`linkCauses`), so the blast radius counts credentials. */
  readonly differences: ReadonlyArray<Difference>;
  readonly notes?: ReadonlyArray<ReportNote>;
  readonly restore?: ReportRestore;
}

/** A report from its parts, the blast radius computed from the differences. */
export function createReport(inputs: ReportInputs): IncidentReport {
  return {
    title: inputs.title,
    generatedAt: inputs.generatedAt,
    baseline: inputs.baseline,
    compared: inputs.compared,
    ...(inputs.replay ? { replay: inputs.replay } : {}),
    timeline: inputs.timeline,
    findings: reportFindings(inputs.findings),
    blastRadius: blastRadius(inputs.differences),
    differences: inputs.differences,
    ...(inputs.notes ? { notes: inputs.notes } : {}),
    ...(inputs.restore ? { restore: inputs.restore } : {}),
  };
}

const severityOrder: Readonly<Record<FindingSeverity, number>> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
};

function isoTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  return new Date(ms).toISOString();
}

function entries(record: Readonly<Record<string, number | undefined>>): Array<[string, number]> {
  return Object.entries(record)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** How many lost commits and changed files a text report lists per difference. */
export const reportListLimit = 50;

function causeText(d: Difference): { who: string; confidence: string } {
  const c = d.causes[0];
  if (!c) return { who: 'no event found', confidence: '' };
  const credential = c.credential === null ? '' : `, credential ${c.credential}`;
  const session = c.session === null ? '' : `, session ${c.session}`;
  return {
    who: `${c.action} by ${c.actor} at ${isoTime(c.time)}${credential}${session}`,
    confidence: c.confidence,
  };
}

function detailLines(d: Difference): string[] {
  const lines: string[] = [];
  if (d.refFacts && d.refFacts.lost.length > 0) {
    for (const c of d.refFacts.lost.slice(0, reportListLimit)) {
      lines.push(`lost ${c.sha.slice(0, 12)} ${c.author}: ${firstLine(c.message)}`);
    }
    const more = d.refFacts.lostCount - Math.min(d.refFacts.lost.length, reportListLimit);
    if (more > 0) lines.push(`... and ${more} more lost commits`);
  }
  if (d.files && d.files.length > 0) {
    for (const f of d.files.slice(0, reportListLimit)) lines.push(`${f.status} ${f.path}`);
    if (d.files.length > reportListLimit) {
      lines.push(`... and ${d.files.length - reportListLimit} more files`);
    }
  }
  if (d.note) lines.push(d.note);
  return lines;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

// SECURITY: report text. Every string below may come from an attacker (titles, branch
// names, logins, commit messages); these escapes keep it text in every renderer.

/**
 * Text for a Markdown table cell: backslash-escapes Markdown's inline syntax and the cell
 * separator, entity-encodes HTML (renderers pass raw HTML through), folds newlines.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
// SECURITY: end of report text.

function mdTable(head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string {
  if (rows.length === 0) return 'None.';
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [line(head), `|${head.map(() => ' --- |').join('')}`, ...rows.map(line)].join('\n');
}

function sortedFindings(report: IncidentReport): ReportFinding[] {
  return [...report.findings].sort(
    (a, b) => severityOrder[a.severity] - severityOrder[b.severity] || a.time - b.time,
  );
}

function baselineText(report: IncidentReport): string {
  return report.baseline === null
    ? 'none chosen'
    : `snapshot ${report.baseline.snapshotId} taken ${isoTime(report.baseline.takenAt)}`;
}

function overview(report: IncidentReport): Array<[string, string]> {
  const t = report.timeline;
  const rows: Array<[string, string]> = [
    ['Generated', isoTime(report.generatedAt)],
    ['Baseline', baselineText(report)],
    ['Compared with', report.compared],
  ];
  if (report.replay) {
    rows.push([
      'Replay',
      `${report.replay.applied} events applied, ${report.replay.unknown} could not be replayed`,
    ]);
  }
  rows.push(
    ['Events', String(t.total)],
    ['First event', isoTime(t.firstEvent)],
    ['Last event', isoTime(t.lastEvent)],
    ['Destructive events', String(t.destructive)],
    ['Differences', String(report.blastRadius.total)],
  );
  return rows;
}

/** A value of a verification check in one short line (digests and shas, never values). */
function checkValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'none');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The restore's facts, as the overview table of its section lists them. */
function restoreFacts(r: ReportRestore): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Plan hash', r.planHash],
    ['Incident', r.incident],
    ['Target', `${r.target.owner} at ${r.target.apiUrl}`],
    ['From snapshot', `#${r.snapshotSeq}`],
    ['Operations', String(r.operations.length)],
  ];
  const a = r.approval;
  if (a === null) {
    rows.push(['Approval', 'none recorded (the restore did not run)']);
  } else {
    rows.push(['Approved', `${a.approvedAt}, typed "${a.phrase}"`]);
    rows.push(['Second approver', a.approverFingerprint ?? 'none']);
    rows.push(['Isolation proof', a.isolation ?? 'not recorded']);
    if (a.overrideAcknowledgement !== null) {
      rows.push(['Isolation overridden', `typed "${a.overrideAcknowledgement}"`]);
    }
  }
  const j = r.journal;
  rows.push([
    'Journal',
    `${j.records} records, ${j.retries} retries, ${j.finished ? 'finished' : 'not finished'}${j.cancelled ? ', cancelled once' : ''}`,
  ]);
  const v = r.verification;
  rows.push([
    'Verification',
    v === null
      ? 'not verified'
      : v.ok
        ? `verified ${v.verifiedAt}: every target equals the snapshot (${v.counts.ok} ok, ${v.counts.skipped} skipped)`
        : `DRIFT at ${v.verifiedAt}: ${v.counts.mismatch} of ${v.checks.length} targets differ from the snapshot`,
  ]);
  if (v !== null) {
    rows.push(['Signed by', `${v.signature.fingerprint} (Ed25519 ${v.signature.publicKey})`]);
    rows.push(['Signature', v.signature.signature]);
  }
  return rows;
}

function restoreOperationRows(r: ReportRestore): string[][] {
  return r.operations.map((o) => [o.id, o.fidelity, o.state, o.message ?? o.note]);
}

function driftRows(r: ReportRestore): string[][] {
  return (r.verification?.checks ?? [])
    .filter((c) => c.status === 'mismatch')
    .map((c) => [c.opId, checkValue(c.expected), checkValue(c.found), c.note]);
}

/** The report as Markdown (GitHub-flavoured tables; every value escaped). */
export function renderMarkdown(report: IncidentReport): string {
  const out: string[] = [`# ${escapeMarkdown(report.title)}`, ''];
  out.push(mdTable(['Item', 'Value'], overview(report)), '');
  const t = report.timeline;
  out.push('## Timeline', '');
  out.push('### Events by source', '', mdTable(['Source', 'Events'], countRows(t.bySource)), '');
  out.push('### Events by class', '', mdTable(['Class', 'Events'], countRows(t.byClass)), '');
  out.push('### Top actors', '', mdTable(['Actor', 'Events'], counted(t.topActors)), '');
  out.push(
    '### Top credentials',
    '',
    mdTable(['Credential', 'Events'], counted(t.topCredentials)),
    '',
  );
  out.push('## Findings', '');
  out.push(
    mdTable(
      ['Severity', 'Kind', 'Time', 'Title', 'Events cited'],
      sortedFindings(report).map((f) => [
        f.severity,
        f.kind,
        isoTime(f.time),
        f.title,
        String(f.cited),
      ]),
    ),
    '',
  );
  const br = report.blastRadius;
  out.push('## Blast radius', '');
  out.push('### By kind', '', mdTable(['Kind', 'Differences'], countRows(br.byKind)), '');
  out.push(
    '### By repository',
    '',
    mdTable(['Repository', 'Differences'], countRows(br.byRepo)),
    '',
  );
  out.push(
    '### By credential',
    '',
    mdTable(['Credential', 'Differences'], countRows(br.byCredential)),
    '',
  );
  out.push('## Differences', '');
  out.push(
    mdTable(
      ['Repository', 'Kind', 'Resource', 'Summary', 'Cause', 'Confidence'],
      report.differences.map((d) => {
        const cause = causeText(d);
        return [d.repo, d.kind, d.resource.key, d.summary, cause.who, cause.confidence];
      }),
    ),
    '',
  );
  const detailed = report.differences.filter((d) => detailLines(d).length > 0);
  if (detailed.length > 0) {
    out.push('### Details', '');
    for (const d of detailed) {
      out.push(
        mdTable(
          [d.summary],
          detailLines(d).map((l) => [l]),
        ),
        '',
      );
    }
  }
  if (report.restore) {
    const r = report.restore;
    out.push('## Restore', '');
    out.push(mdTable(['Item', 'Value'], restoreFacts(r)), '');
    out.push(
      '### Operations',
      '',
      mdTable(['Operation', 'Fidelity', 'Outcome', 'Note'], restoreOperationRows(r)),
      '',
    );
    if (r.unrepaired.length > 0) {
      out.push(
        '### Chosen but not restored',
        '',
        mdTable(
          ['Difference', 'Why'],
          r.unrepaired.map((u) => [u.differenceId, u.reason]),
        ),
        '',
      );
    }
    const drift = driftRows(r);
    if (drift.length > 0) {
      out.push('### Drift', '', mdTable(['Operation', 'Snapshot', 'Now', 'Note'], drift), '');
    }
  }
  if (report.notes && report.notes.length > 0) {
    out.push('## Notes', '');
    out.push(
      mdTable(
        ['Time', 'Note'],
        report.notes.map((n) => [isoTime(n.time), n.text]),
      ),
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function countRows(record: Readonly<Record<string, number | undefined>>): string[][] {
  return entries(record).map(([k, v]) => [k, String(v)]);
}

function counted(values: ReadonlyArray<CountedValue>): string[][] {
  return values.map((v) => [v.value, String(v.count)]);
}

function htmlTable(
  head: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  className = '',
): string {
  const cls = className === '' ? '' : ` class="${escapeHtml(className)}"`;
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${head.length}" class="empty">none</td></tr>`
      : rows
          .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
          .join('\n');
  return `<table${cls}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}td.empty{color:#57606a;font-style:italic}
.sev-critical{color:#a40e26;font-weight:600}.sev-high{color:#bc4c00;font-weight:600}
.details td{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
@media print{body{margin:0;max-width:none}}
`.trim();

/** The report as one self-contained HTML file: inline CSS, no script, nothing fetched. */
export function renderHtml(report: IncidentReport): string {
  const t = report.timeline;
  const br = report.blastRadius;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(report.title)}</h1>`);
  parts.push(htmlTable(['Item', 'Value'], overview(report)));
  parts.push('<h2>Timeline</h2>');
  parts.push('<h3>Events by source</h3>', htmlTable(['Source', 'Events'], countRows(t.bySource)));
  parts.push('<h3>Events by class</h3>', htmlTable(['Class', 'Events'], countRows(t.byClass)));
  parts.push('<h3>Top actors</h3>', htmlTable(['Actor', 'Events'], counted(t.topActors)));
  parts.push(
    '<h3>Top credentials</h3>',
    htmlTable(['Credential', 'Events'], counted(t.topCredentials)),
  );
  parts.push('<h2>Findings</h2>');
  const findings = sortedFindings(report);
  const findingRows = findings
    .map(
      (f) =>
        `<tr><td class="sev-${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</td><td>${escapeHtml(f.kind)}</td><td>${escapeHtml(isoTime(f.time))}</td><td>${escapeHtml(f.title)}</td><td>${f.cited}</td></tr>`,
    )
    .join('\n');
  parts.push(
    findings.length === 0
      ? htmlTable(['Severity', 'Kind', 'Time', 'Title', 'Events cited'], [])
      : `<table><thead><tr><th>Severity</th><th>Kind</th><th>Time</th><th>Title</th><th>Events cited</th></tr></thead><tbody>\n${findingRows}\n</tbody></table>`,
  );
  parts.push('<h2>Blast radius</h2>');
  parts.push('<h3>By kind</h3>', htmlTable(['Kind', 'Differences'], countRows(br.byKind)));
  parts.push(
    '<h3>By repository</h3>',
    htmlTable(['Repository', 'Differences'], countRows(br.byRepo)),
  );
  parts.push(
    '<h3>By credential</h3>',
    htmlTable(['Credential', 'Differences'], countRows(br.byCredential)),
  );
  parts.push('<h2>Differences</h2>');
  parts.push(
    htmlTable(
      ['Repository', 'Kind', 'Resource', 'Summary', 'Cause', 'Confidence'],
      report.differences.map((d) => {
        const cause = causeText(d);
        return [d.repo, d.kind, d.resource.key, d.summary, cause.who, cause.confidence];
      }),
    ),
  );
  const detailed = report.differences.filter((d) => detailLines(d).length > 0);
  if (detailed.length > 0) {
    parts.push('<h3>Details</h3>');
    for (const d of detailed) {
      parts.push(
        htmlTable(
          [d.summary],
          detailLines(d).map((l) => [l]),
          'details',
        ),
      );
    }
  }
  if (report.restore) {
    const r = report.restore;
    parts.push('<h2>Restore</h2>');
    parts.push(htmlTable(['Item', 'Value'], restoreFacts(r)));
    parts.push(
      '<h3>Operations</h3>',
      htmlTable(['Operation', 'Fidelity', 'Outcome', 'Note'], restoreOperationRows(r)),
    );
    if (r.unrepaired.length > 0) {
      parts.push(
        '<h3>Chosen but not restored</h3>',
        htmlTable(
          ['Difference', 'Why'],
          r.unrepaired.map((u) => [u.differenceId, u.reason]),
        ),
      );
    }
    const drift = driftRows(r);
    if (drift.length > 0) {
      parts.push(
        '<h3>Drift</h3>',
        htmlTable(['Operation', 'Snapshot', 'Now', 'Note'], drift, 'details'),
      );
    }
  }
  if (report.notes && report.notes.length > 0) {
    parts.push('<h2>Notes</h2>');
    parts.push(
      htmlTable(
        ['Time', 'Note'],
        report.notes.map((n) => [isoTime(n.time), n.text]),
      ),
    );
  }
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // SECURITY: nothing in the file may run or load; the CSP says so to any browser.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    ...parts,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A copy of `value` with every object's keys sorted, for byte-stable JSON. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/** The JSON report's format tag: a reader checks it before trusting the shape. */
export const reportFormat = 'bulkhead-incident-report/1';

/**
 * The report as JSON: keys sorted at every level and two-space indents, so the same
 * report is the same bytes (diffable, hashable); `format` names the shape.
 */
export function renderJson(report: IncidentReport): string {
  return `${JSON.stringify(sortKeys({ format: reportFormat, ...report }), null, 2)}\n`;
}
