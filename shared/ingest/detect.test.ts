import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect';

const enc = new TextEncoder();
const d = (text: string, name = 'f.json') => detectFormat(enc.encode(text), name);

describe('detectFormat', () => {
  it('recognises each format and container', () => {
    expect(d('{"@timestamp":1,"action":"repo.destroy","actor":"a"}\n')).toEqual({
      kind: 'format',
      format: 'github-audit',
      container: 'ndjson',
      gzip: false,
    });
    expect(d('[\n {"action":"git.push","created_at":1,"actor":"a"}, {"a"')).toMatchObject({
      format: 'github-audit',
      container: 'json-array',
    });
    expect(d('@timestamp,action,actor\n1,repo.destroy,a\n', 'export.csv')).toMatchObject({
      format: 'github-audit',
      container: 'csv',
    });
    expect(d('{"Records":[{"eventTime":"2025-01-01T00:00:00Z"')).toMatchObject({
      format: 'cloudtrail',
      container: 'json-records',
    });
    expect(
      d('{"eventTime":"x","eventSource":"s3.amazonaws.com","eventName":"DeleteObject"}'),
    ).toMatchObject({
      format: 'cloudtrail',
      container: 'ndjson',
    });
    expect(d('{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"delete"}\n')).toMatchObject({
      format: 'k8s-audit',
    });
    expect(d('{"type":"user","sessionId":"s","uuid":"u","message":{}}\n')).toMatchObject({
      format: 'claude-code',
    });
    expect(d('{"type":"summary","summary":"x","leafUuid":"u"}\n')).toMatchObject({
      format: 'claude-code',
    });
    expect(d('{"timestamp":"t","type":"session_meta","payload":{}}\n')).toMatchObject({
      format: 'codex-cli',
    });
    expect(d('{"id":"x","timestamp":"t","instructions":null}\n')).toMatchObject({
      format: 'codex-cli',
    });
    expect(d('{"time":"t","author_id":1,"entity_type":"Project","change":"x"}\n')).toMatchObject({
      format: 'gitlab-audit',
    });
    expect(d('{"ts":1,"msg":"x"}\n')).toMatchObject({ format: 'generic', container: 'ndjson' });
  });

  it('reports CloudTrail digest files as such, not as events', () => {
    expect(
      d(
        '{"awsAccountId":"1","digestStartTime":"2025-01-01T00:00:00Z","previousDigestSignature":"ab"}',
      ),
    ).toEqual({
      kind: 'cloudtrail-digest',
      gzip: false,
    });
  });

  it('asks for decompression on gzip magic bytes, and carries gzip through the second call', () => {
    expect(detectFormat(new Uint8Array([0x1f, 0x8b, 8, 0]), 'x.json.gz')).toEqual({
      kind: 'gzip',
      gzip: true,
    });
    expect(detectFormat(enc.encode('{"ts":1}'), 'x.json.gz', { gzip: true })).toMatchObject({
      kind: 'format',
      gzip: true,
    });
  });

  it('recognises a first record longer than the prefix by its leading keys', () => {
    const big = 'x'.repeat(70_000);
    const claude = `{"parentUuid":"p","sessionId":"s","type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"${big}"}]}}\n`;
    expect(detectFormat(enc.encode(claude).subarray(0, 65536), 'a.jsonl')).toMatchObject({
      format: 'claude-code',
      container: 'ndjson',
    });
    const gh = `[{"@timestamp":1,"action":"repo.destroy","data":{"blob":"${big}"}}]`;
    expect(detectFormat(enc.encode(gh).subarray(0, 65536), 'a.json')).toMatchObject({
      format: 'github-audit',
      container: 'json-array',
    });
    expect(
      detectFormat(enc.encode(`{"blob":"${big}"}`).subarray(0, 65536), 'a.json'),
    ).toMatchObject({
      kind: 'unknown',
    });
  });

  it('explains what it cannot read', () => {
    expect(d('')).toMatchObject({ kind: 'unknown', reason: 'the file is empty' });
    expect(d('hello world')).toMatchObject({ kind: 'unknown' });
    expect(d('a,b\n1,2\n', 'x.csv')).toMatchObject({
      kind: 'unknown',
      reason: expect.stringMatching(/CSV/) as unknown,
    });
    expect(d('[1,2]')).toMatchObject({ kind: 'unknown' });
  });

  it('never throws on any bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.string(), (bytes, name) => {
        const r = detectFormat(bytes, name);
        expect(['format', 'gzip', 'cloudtrail-digest', 'unknown']).toContain(r.kind);
      }),
      { numRuns: 1000 },
    );
  });
});
