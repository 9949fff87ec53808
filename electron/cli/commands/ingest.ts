import path from 'node:path';
import type { NormalizedEvent } from '../../../shared/ingest/event';
import { ingestFiles, type IngestResult } from '../../services/ingest/ingest-files';
import { exitCodes, UsageError, type CliCommand } from '../command';
import { formatTable } from '../table';

/**
 * `bulkhead ingest <files...> [--json]`: read audit trails and agent transcripts, join
 * them, and print what went wrong.
 *
 * The same importers, store, correlator and findings as the app, for scripted use: the
 * JSON form is `{events, sources: [{file, format, events, errors}], actors, credentials,
 * toolCalls, rejectedToolCalls, findings: [{kind, severity, events}]}`. Exits 1 when a
 * file could not be read or had malformed records, so a pipeline notices; findings are
 * results, not failures.
 */
export const ingestCommand: CliCommand = {
  name: 'ingest',
  summary: 'Read audit trails and agent transcripts; correlate them and list findings',
  synopsis: '<files...> [--json] [--freeze <from>/<to>]',
  details: [
    'Formats are detected: GitHub audit log (NDJSON, JSON, CSV), GitLab audit events,',
    'AWS CloudTrail, Kubernetes audit, Claude Code and Codex CLI transcripts, generic JSONL;',
    'gzip is accepted. See docs/event-schema.md and docs/findings.md.',
    '--json                    print the summary as JSON',
    '--freeze <from>/<to>      a declared change freeze (ISO times); repeatable',
    'Exits 1 when a file cannot be read or has malformed records (each named by file:line).',
  ],
  options: { json: { type: 'boolean' }, freeze: { type: 'string', multiple: true } },
  maxPositionals: Number.MAX_SAFE_INTEGER,
  async run({ io, values, positionals, signal }) {
    if (positionals.length === 0) throw new UsageError('ingest needs at least one file', 'ingest');
    const files = positionals.map((file) => path.resolve(io.cwd, file));
    const freezeWindows = parseFreezes(values.freeze);
    let lastLine = '';
    const result = await ingestFiles(files, {
      findings: { freezeWindows },
      progress: {
        signal,
        report(file, read, total) {
          if (!io.stderrIsTty) return;
          const line = `reading ${path.basename(file)}: ${Math.round((100 * read) / Math.max(total, 1))}%`;
          if (line !== lastLine) io.stderr(`\r\x1b[2K${line}`);
          lastLine = line;
        },
      },
    });
    if (io.stderrIsTty && lastLine !== '') io.stderr('\r\x1b[2K');
    const summary = summarise(result);
    if (values.json === true) {
      io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      printSummary(io.stdout, summary);
    }
    for (const source of result.sources) {
      if (source.failure) io.stderr(`bulkhead: ${source.file}: ${source.failure}\n`);
      for (const error of source.errors.slice(0, 20)) {
        io.stderr(`bulkhead: ${source.file}:${error.line}: ${error.message}\n`);
      }
      if (source.errors.length > 20) {
        io.stderr(`bulkhead: ${source.file}: ${source.errors.length - 20} more errors\n`);
      }
    }
    const bad = result.sources.some((s) => s.failure !== null || s.errors.length > 0);
    return bad ? exitCodes.failed : exitCodes.ok;
  },
};

interface Summary {
  readonly events: number;
  readonly sources: ReadonlyArray<{
    readonly file: string;
    readonly format: string;
    readonly gzip: boolean;
    readonly events: number;
    readonly duplicates: number;
    readonly errors: number;
    readonly skipped: Readonly<Record<string, number>>;
    readonly failure: string | null;
  }>;
  readonly actors: ReadonlyArray<{ id: string; name: string; kind: string; events: number }>;
  readonly credentials: ReadonlyArray<{ fingerprint: string; kind: string; events: number }>;
  readonly toolCalls: number;
  readonly rejectedToolCalls: number;
  readonly findings: ReadonlyArray<{
    readonly kind: string;
    readonly severity: string;
    readonly title: string;
    readonly at: string;
    /** Each cited event as `file:line`, where its raw record is. */
    readonly events: ReadonlyArray<string>;
  }>;
}

/** The summary both outputs print, computed once. */
export function summarise(result: IngestResult): Summary {
  // A repeated file adds nothing, so an event's file is the first with its bytes.
  const fileOf = new Map<string | null, string>();
  for (const source of result.sources) {
    if (!fileOf.has(source.sourceId)) fileOf.set(source.sourceId, source.file);
  }
  const where = (event: NormalizedEvent) =>
    `${fileOf.get(event.raw.sourceId) ?? event.raw.sourceId}:${event.raw.line}`;
  const actors = new Map<string, { id: string; name: string; kind: string; events: number }>();
  const credentials = new Map<string, { fingerprint: string; kind: string; events: number }>();
  let toolCalls = 0;
  let rejectedToolCalls = 0;
  for (const event of result.events) {
    const actor = actors.get(event.actor.id) ?? { ...event.actor, events: 0 };
    actor.events += 1;
    actors.set(event.actor.id, actor);
    if (event.credential) {
      const key = event.credential.fingerprint;
      const credential = credentials.get(key) ?? {
        fingerprint: key,
        kind: event.credential.kind,
        events: 0,
      };
      credential.events += 1;
      credentials.set(key, credential);
    }
    if (event.agent?.toolCallId) {
      toolCalls += 1;
      if (event.agent.rejected) rejectedToolCalls += 1;
    }
  }
  const byCount = <T extends { events: number }>(items: Iterable<T>) =>
    [...items].sort((a, b) => b.events - a.events);
  return {
    events: result.events.length,
    sources: result.sources.map((s) => ({
      file: s.file,
      format: s.format,
      gzip: s.gzip,
      events: s.events,
      duplicates: s.duplicates,
      errors: s.errors.length,
      skipped: s.counts?.skipped ?? {},
      failure: s.failure,
    })),
    actors: byCount(actors.values()),
    credentials: byCount(credentials.values()),
    toolCalls,
    rejectedToolCalls,
    findings: result.findings.map((finding) => ({
      kind: finding.kind,
      severity: finding.severity,
      title: finding.title,
      at: new Date(finding.at).toISOString(),
      events: finding.events.flatMap((i) => {
        const event = result.events[i];
        return event ? [where(event)] : [];
      }),
    })),
  };
}

function printSummary(write: (text: string) => void, summary: Summary): void {
  write(
    formatTable(
      ['file', 'format', 'events', 'repeats', 'errors'],
      summary.sources.map((s) => [
        path.basename(s.file),
        s.gzip ? `${s.format} (gzip)` : s.format,
        String(s.events),
        String(s.duplicates),
        s.failure ? 'unreadable' : String(s.errors),
      ]),
    ),
  );
  write(
    `\n${summary.events} events, ${summary.actors.length} actors, ${summary.credentials.length} credentials, ` +
      `${summary.toolCalls} tool calls (${summary.rejectedToolCalls} rejected)\n`,
  );
  if (summary.findings.length === 0) {
    write('\nNo findings.\n');
    return;
  }
  write(`\nFindings (${summary.findings.length}):\n`);
  write(
    formatTable(
      ['severity', 'kind', 'at', 'finding', 'events'],
      summary.findings.map((f) => [f.severity, f.kind, f.at, f.title, String(f.events.length)]),
    ),
  );
}

function parseFreezes(
  raw: string | boolean | ReadonlyArray<string | boolean> | undefined,
): Array<{ from: number; to: number; label: string }> {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((item) => {
    const [from, to] = typeof item === 'string' ? item.split('/') : [];
    const start = Date.parse(from ?? '');
    const end = Date.parse(to ?? '');
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
      throw new UsageError(
        `--freeze takes <from>/<to> as ISO times, got ${String(item)}`,
        'ingest',
      );
    }
    return { from: start, to: end, label: `freeze ${from} to ${to}` };
  });
}
