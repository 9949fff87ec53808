import { describe, expect, it } from 'vitest';
import { blastRadius } from './diff-engine';
import {
  createReport,
  renderHtml,
  renderJson,
  renderMarkdown,
  summariseTimeline,
  type ReportRestore,
  type ReportVerification,
} from './report';

const hostile = '<script>alert("x")</script> | [click](javascript:alert(1))';
const hash = 'ab'.repeat(32);

function verification(drift: boolean): ReportVerification {
  return {
    planHash: hash,
    target: { apiUrl: 'http://127.0.0.1:1/api/v3', owner: 'acme', gitUrl: 'http://127.0.0.1:1' },
    snapshot: { catalogId: 'cat', snapshotSeq: 1, snapshotId: null },
    verifiedAt: '2026-03-01T10:05:00.000Z',
    ok: !drift,
    counts: { ok: drift ? 1 : 2, mismatch: drift ? 1 : 0, skipped: 0 },
    checks: [
      {
        opId: 'push-ref:acme/api@refs/heads/main',
        status: 'ok',
        expected: 'a1',
        found: 'a1',
        note: 'at the snapshot',
      },
      {
        opId: `set-variable:acme/api:variable:${hostile}`,
        status: drift ? 'mismatch' : 'ok',
        expected: { digest: 'sha256:11' },
        found: drift ? { digest: 'sha256:22' } : { digest: 'sha256:11' },
        note: drift ? 'changed again since' : 'equal',
      },
    ],
    signature: { publicKey: 'PUBKEY', fingerprint: 'sha256:ff', signature: 'SIG'.repeat(20) },
  };
}

function restore(drift: boolean, override: string | null): ReportRestore {
  return {
    planHash: hash,
    incident: 'inc-7',
    target: { apiUrl: 'http://127.0.0.1:1/api/v3', owner: 'acme' },
    snapshotSeq: 1,
    operations: [
      {
        id: 'push-ref:acme/api@refs/heads/main',
        fidelity: 'faithful',
        note: 'overwrite main',
        state: 'done',
        message: null,
      },
      {
        id: `set-variable:acme/api:variable:${hostile}`,
        fidelity: 'faithful',
        note: hostile,
        state: 'done',
        message: null,
      },
    ],
    unrepaired: [{ differenceId: 'ref-created:x', reason: 'created after the snapshot' }],
    approval: {
      phrase: 'restore 2 operations to acme',
      approvedAt: '2026-03-01T10:00:00.000Z',
      approverFingerprint: null,
      overrideAcknowledgement: override,
      isolation: override === null ? 'isolated' : 'shared',
    },
    journal: { records: 9, retries: 1, finished: true, cancelled: false },
    verification: verification(drift),
  };
}

function report(r: ReportRestore | undefined) {
  return createReport({
    title: 'Incident',
    generatedAt: Date.parse('2026-03-01T11:00:00Z'),
    baseline: null,
    compared: 'live state',
    timeline: summariseTimeline([]),
    findings: [],
    differences: [],
    ...(r ? { restore: r } : {}),
  });
}

describe('the report’s restore section', () => {
  it('is absent until a restore is added', () => {
    const plain = report(undefined);
    expect(renderMarkdown(plain)).not.toContain('## Restore');
    expect(renderHtml(plain)).not.toContain('<h2>Restore</h2>');
    expect(JSON.parse(renderJson(plain))).not.toHaveProperty('restore');
    expect(plain.blastRadius).toEqual(blastRadius([]));
  });

  it('says the plan, the approval with its override, the journal and a clean verification', () => {
    const md = renderMarkdown(report(restore(false, 'I accept the risk of using ops token')));
    expect(md).toContain('## Restore');
    expect(md).toContain(hash);
    expect(md).toContain('typed "restore 2 operations to acme"');
    expect(md).toMatch(
      /\| Isolation overridden \| typed "I accept the risk of using ops token" \|/,
    );
    expect(md).toMatch(
      /\| Verification \| verified 2026-03-01T10:05:00.000Z: every target equals the snapshot \(2 ok, 0 skipped\) \|/,
    );
    expect(md).toContain('9 records, 1 retries, finished');
    expect(md).toContain('### Chosen but not restored');
    expect(md).not.toContain('### Drift');
    // Attacker text stays text.
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;');
  });

  it('lists the drift when the verification found any, in Markdown and HTML', () => {
    const r = report(restore(true, null));
    const md = renderMarkdown(r);
    expect(md).toContain('DRIFT at 2026-03-01T10:05:00.000Z: 1 of 2 targets differ');
    expect(md).toContain('### Drift');
    expect(md).toContain('sha256:22');
    expect(md).not.toContain('Isolation overridden');
    const html = renderHtml(r);
    expect(html).toContain('<h2>Restore</h2>');
    expect(html).toContain('<h3>Drift</h3>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('keeps the signed verification whole in the JSON, so a reader can check its signature', () => {
    const r = restore(false, null);
    const json = JSON.parse(renderJson(report(r))) as { restore: ReportRestore };
    expect(json.restore.verification).toEqual(r.verification);
    expect(json.restore.approval).toEqual(r.approval);
  });
});
