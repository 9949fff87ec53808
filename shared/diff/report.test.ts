import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../ingest/findings';
import { defaultBaseline } from './baseline';
import type { Difference } from './diff-model';
import { diffStates, linkCauses } from './diff-engine';
import type { IncidentReport } from './report';
import {
  createReport,
  escapeMarkdown,
  renderHtml,
  renderJson,
  renderMarkdown,
  reportFormat,
  summariseTimeline,
} from './report';
import { commit, fakeGit, forgeRecord, imported, pullState, repoState, sha } from './test-support';

const t0 = Date.parse('2026-02-01T10:00:00Z');
const hostile = '<script>alert("x")</script> | [click](javascript:alert(1)) & *bold*';

async function smallReport(): Promise<IncidentReport> {
  const base = [
    repoState('acme', 'api', {
      refs: [{ name: 'refs/heads/main', sha: sha(1) }],
      pulls: [pullState(7, { title: hostile })],
    }),
    repoState('acme', 'web'),
  ];
  const cur = [
    repoState('acme', 'api', {
      refs: [{ name: 'refs/heads/main', sha: sha(2) }],
      pulls: [pullState(7, { title: hostile, state: 'closed' })],
    }),
  ];
  const { git } = fakeGit({
    refs: {
      'acme/api@refs/heads/main': { forced: true, lostCount: 2, lost: [commit(1), commit(2)] },
    },
    trees: {
      [`${sha(1)}..${sha(2)}`]: [
        { path: 'src/<b>.ts', status: 'modified', oldOid: sha(3), newOid: sha(4) },
      ],
    },
  });
  const events = [
    imported(
      forgeRecord(t0, 'git.push', 'acme/api', {
        ref: 'refs/heads/main',
        before: sha(1),
        after: sha(2),
        forced: true,
      }),
      1,
    ),
    imported(
      forgeRecord(t0 + 1000, 'pull_request.close', 'acme/api', { pull_request_number: 7 }),
      2,
    ),
    imported(forgeRecord(t0 + 2000, 'repo.destroy', 'acme/web'), 3),
  ];
  const differences = linkCauses(await diffStates(base, cur, git), events);
  const findings: Finding[] = [
    {
      kind: 'destructive-burst',
      severity: 'critical',
      title: `3 destructive actions in 2 s | ${hostile}`,
      detail: '',
      events: [0, 1, 2],
      at: t0,
    },
  ];
  return createReport({
    title: 'Incident 42: agent wiped acme',
    generatedAt: t0 + 3_600_000,
    baseline: { snapshotId: 'snap-1', takenAt: t0 - 86_400_000 },
    compared: 'live state',
    timeline: summariseTimeline(events.map((e) => e.event)),
    findings,
    differences,
    notes: [{ time: t0, text: 'agent picked up the admin token here' }],
  });
}

describe('summariseTimeline', () => {
  it('counts events by source and class, and the top actors and credentials', () => {
    const events = [
      imported(forgeRecord(t0 + 5, 'repo.destroy', 'acme/web')).event,
      imported(forgeRecord(t0, 'repo.create', 'acme/web')).event,
    ];
    expect(summariseTimeline(events)).toEqual({
      total: 2,
      firstEvent: t0,
      lastEvent: t0 + 5,
      destructive: 1,
      bySource: { 'github-audit': 2 },
      byClass: { delete: 1, create: 1 },
      topActors: [{ value: 'agent-bot', count: 2 }],
      topCredentials: [{ value: 'dG9rZW4taGFzaA==', count: 2 }],
    });
  });
});

describe('report renderers', () => {
  it('renders a small report as Markdown', async () => {
    const md = renderMarkdown(await smallReport());
    expect(md.startsWith('# Incident 42: agent wiped acme\n')).toBe(true);
    expect(md).toContain('| Baseline | snapshot snap-1 taken 2026-01-31T10:00:00.000Z |');
    expect(md).toContain('| Compared with | live state |');
    expect(md).toContain('| critical | destructive-burst |');
    expect(md).toContain('| repo-deleted | 1 |');
    expect(md).toContain(
      '| acme/api | ref-force-pushed | acme/api@refs/heads/main | main force-pushed: 2 commits lost',
    );
    expect(md).toContain('git.push by agent-bot');
    expect(md).toContain('| exact |');
    expect(md).toContain('## Notes');
    expect(md).toContain('modified src/&lt;b&gt;.ts');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('escapes table pipes and HTML in Markdown', async () => {
    const md = renderMarkdown(await smallReport());
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('[click](');
    expect(md).toContain('&lt;script&gt;');
    // Every table row keeps its column count: pipes inside cells are escaped.
    let columns = 0;
    let rows = 0;
    for (const line of md.split('\n')) {
      if (/^\|( --- \|)+$/.test(line)) columns = line.split('|').length;
      else if (line === '') columns = 0;
      else if (columns > 0) {
        expect(line.replace(/\\\|/g, '').split('|').length, line).toBe(columns);
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(10);
    expect(escapeMarkdown('a|b\nc')).toBe('a\\|b c');
  });

  it('renders one self-contained HTML file that escapes hostile text and runs nothing', async () => {
    const html = renderHtml(await smallReport());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<style>');
    expect(html).toContain('<td class="sev-critical">critical</td>');
    expect(html).toContain('main force-pushed: 2 commits lost');
  });

  it('escapes any title in HTML', () => {
    fc.assert(
      fc.property(fc.string(), (title) => {
        const report: IncidentReport = {
          title: `<script>${title}`,
          generatedAt: 0,
          baseline: null,
          compared: title,
          timeline: summariseTimeline([]),
          findings: [],
          blastRadius: { total: 0, byKind: {}, byRepo: {}, byCredential: {} },
          differences: [],
        };
        const html = renderHtml(report);
        expect(html).not.toMatch(/<script/i);
        expect(html.split('<title>')[1]!.split('</title>')[0]).not.toMatch(/[<>]/);
      }),
    );
  });

  it('renders stable, parseable JSON', async () => {
    const report = await smallReport();
    const json = renderJson(report);
    const parsed = JSON.parse(json) as IncidentReport & { format: string };
    expect(parsed.format).toBe(reportFormat);
    expect(parsed.differences.map((d: Difference) => d.id)).toEqual(
      report.differences.map((d) => d.id),
    );
    expect(parsed.blastRadius).toEqual({
      total: 4,
      byKind: { 'files-changed': 1, 'pr-closed': 1, 'ref-force-pushed': 1, 'repo-deleted': 1 },
      byRepo: { 'acme/api': 3, 'acme/web': 1 },
      byCredential: { 'dG9rZW4taGFzaA==': 4 },
    });
    // The same report with its keys in another order: the same bytes.
    const reordered = Object.fromEntries(
      Object.entries(report).reverse(),
    ) as unknown as IncidentReport;
    expect(renderJson(reordered)).toBe(json);
    expect(renderJson(report)).toBe(json);
    expect(json.endsWith('\n')).toBe(true);
  });
});

describe('defaultBaseline', () => {
  const snaps = [
    { id: 'a', takenAt: 100, verified: true },
    { id: 'b', takenAt: 200, verified: false },
    { id: 'c', takenAt: 300, verified: true },
    { id: 'd', takenAt: 300, verified: true },
    { id: 'e', takenAt: 400, verified: true },
  ];

  it('is the latest verified snapshot strictly before the first finding', () => {
    expect(defaultBaseline(snaps, 250)?.id).toBe('a');
    expect(defaultBaseline(snaps, 400)?.id).toBe('d');
    expect(defaultBaseline(snaps, 401)?.id).toBe('e');
    expect(defaultBaseline(snaps, null)?.id).toBe('e');
    expect(defaultBaseline(snaps, 100)).toBeNull();
    expect(defaultBaseline([], null)).toBeNull();
    expect(defaultBaseline([...snaps].reverse(), 400)?.id).toBe('d');
  });
});
