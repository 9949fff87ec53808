import { describe, expect, it } from 'vitest';
import { loadGitHubOpenApi } from './load-github-openapi';
import { createOpenApiValidator } from './openapi-validator';

const validator = createOpenApiValidator(loadGitHubOpenApi());

describe('createOpenApiValidator', () => {
  it('finds operations, preferring literal segments and decoding encoded refs', () => {
    expect(validator.findOperation('GET', '/repos/a/b/pulls/comments')?.operationId).toBe(
      'pulls/list-review-comments-for-repo',
    );
    expect(validator.findOperation('GET', '/repos/a/b/pulls/7')?.operationId).toBe('pulls/get');
    expect(validator.findOperation('GET', '/repos/a/b/git/ref/heads%2Fmain')?.params.ref).toBe(
      'heads/main',
    );
    expect(validator.findOperation('GET', '/orgs/acme/audit-log')?.operationId).toBe(
      'orgs/get-audit-log',
    );
    expect(validator.findOperation('GET', '/repos/a/b/git/refs')).toBeUndefined();
  });

  it('names the operation, status and field of a response mismatch', () => {
    const errors = validator.validateResponse({
      method: 'GET',
      path: '/repos/acme/app/git/ref/heads%2Fmain',
      status: 200,
      body: { ref: 'refs/heads/main', node_id: 'x', url: 'http://127.0.0.1/x', object: 7 },
    });
    expect(errors).toEqual(['GET /repos/{owner}/{repo}/git/ref/{ref} 200: /object must be object']);
  });

  it('checks request bodies, query enums and unknown query parameters', () => {
    expect(
      validator.validateRequest({ method: 'POST', path: '/repos/a/b/pulls', body: { title: 1 } }),
    ).toEqual(
      expect.arrayContaining([
        "POST /repos/{owner}/{repo}/pulls request: / must have required property 'head'",
        'POST /repos/{owner}/{repo}/pulls request: /title must be string',
      ]),
    );
    expect(
      validator.validateRequest({
        method: 'GET',
        path: '/repos/a/b/pulls',
        query: { state: 'all', per_page: '5', page: '2' },
      }),
    ).toEqual([]);
    expect(
      validator.validateRequest({ method: 'GET', path: '/repos/a/b/pulls', query: { bogus: '1' } }),
    ).toEqual(['GET /repos/{owner}/{repo}/pulls request: unknown query parameter bogus']);
    const lenient = createOpenApiValidator(loadGitHubOpenApi(), {
      unknownQueryParameters: 'allow',
    });
    expect(
      lenient.validateRequest({
        method: 'GET',
        path: '/repos/a/b/git/matching-refs/heads',
        query: { per_page: '100' },
      }),
    ).toEqual([]);
  });

  it('accepts undocumented error statuses only in GitHub error shape, never undocumented successes', () => {
    const path = '/repos/a/b/git/refs/heads%2Fx';
    expect(
      validator.validateResponse({
        method: 'DELETE',
        path,
        status: 401,
        body: { message: 'Bad credentials' },
      }),
    ).toEqual([]);
    expect(
      validator.validateResponse({ method: 'DELETE', path, status: 401, body: 'nope' }),
    ).toHaveLength(1);
    expect(validator.validateResponse({ method: 'DELETE', path, status: 204, body: '' })).toEqual(
      [],
    );
    expect(validator.validateResponse({ method: 'DELETE', path, status: 200, body: {} })).toEqual([
      'DELETE /repos/{owner}/{repo}/git/refs/{ref} 200: status not documented for this operation',
    ]);
  });

  it('reports a request to an endpoint the description does not know', () => {
    expect(validator.validateRequest({ method: 'GET', path: '/nowhere/at/all' })).toEqual([
      'GET /nowhere/at/all: no such operation in the OpenAPI description',
    ]);
  });
});
