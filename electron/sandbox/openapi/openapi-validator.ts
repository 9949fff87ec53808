import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { OpenApiSpec } from './load-github-openapi';

/** A request as the validator sees it: the path is relative to the API root. */
export interface OpenApiRequest {
  readonly method: string;
  /** `/repos/acme/app/pulls`, without the base URL or the query string. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | ReadonlyArray<string>>>;
  readonly body?: unknown;
}

/** A response as the validator sees it. */
export interface OpenApiResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

/** The operation a request path resolved to. */
export interface OpenApiOperationMatch {
  readonly template: string;
  readonly method: string;
  readonly operationId: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Checks requests and responses against one OpenAPI 3.0 description. */
export interface OpenApiValidator {
  /** The documented operation for a method and path, or undefined when the spec has none. */
  findOperation(method: string, path: string): OpenApiOperationMatch | undefined;
  /** Readable mismatches; empty when the request conforms. */
  validateRequest(request: OpenApiRequest): ReadonlyArray<string>;
  /** Readable mismatches; empty when the response conforms. */
  validateResponse(response: OpenApiResponse): ReadonlyArray<string>;
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: Record<string, unknown>;
}

interface Operation {
  readonly operationId?: string;
  readonly parameters?: ReadonlyArray<Parameter | { $ref: string }>;
  readonly requestBody?: unknown;
  readonly responses?: Readonly<Record<string, unknown>>;
}

interface RouteEntry {
  readonly template: string;
  readonly segments: ReadonlyArray<string>;
  readonly operations: Readonly<Record<string, Operation>>;
  readonly pathParameters: ReadonlyArray<Parameter | { $ref: string }>;
}

/** How strict the validator is where GitHub itself is lenient. */
export interface OpenApiValidatorOptions {
  /**
   * `reject` (the default) reports query parameters the operation does not document;
   * GitHub ignores them, so `allow` accepts them (e.g. `per_page` on matching-refs).
   */
  readonly unknownQueryParameters?: 'reject' | 'allow';
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const componentsId = 'github-openapi';

// ajv-formats is CommonJS; its default export arrives wrapped or bare depending on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * Rewrites an OpenAPI schema into one ajv compiles.
 *
 * Local `$ref`s point into the components registered once under `componentsId`;
 * `discriminator` goes because ajv cannot use OpenAPI's `mapping` (the `oneOf` beside it
 * still decides).
 */
function prepareSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prepareSchema);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'discriminator' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/')) {
      out[key] = `${componentsId}${inner}`;
      continue;
    }
    out[key] = prepareSchema(inner);
  }
  return out;
}

function formatErrors(prefix: string, errors: ReadonlyArray<ErrorObject> | null | undefined) {
  return (errors ?? []).map((error) => {
    const where = error.instancePath === '' ? '/' : error.instancePath;
    const extra =
      error.keyword === 'additionalProperties'
        ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
        : error.keyword === 'enum'
          ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return `${prefix}: ${where} ${error.message ?? error.keyword}${extra}`;
  });
}

function splitPath(path: string): string[] {
  return path
    .replace(/\/+$/, '')
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === '';
}

function coerce(value: string, schema: Record<string, unknown> | undefined): unknown {
  const type = schema?.type;
  if (type === 'integer' || type === 'number') {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : value;
  }
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/**
 * Builds a validator over an OpenAPI 3.0 description such as GitHub's.
 *
 * Validators compile lazily per operation and status, so a test that touches twenty
 * endpoints pays for twenty, not for the ~1,000 the description holds. Statuses the
 * description does not list are accepted for errors (4xx/5xx) when the body has
 * GitHub's basic error shape, because GitHub answers 401/403/404/429 on every endpoint
 * but documents them on few; an undocumented success status is a mismatch.
 */
export function createOpenApiValidator(
  spec: OpenApiSpec,
  options: OpenApiValidatorOptions = {},
): OpenApiValidator {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    logger: false,
    validateSchema: false,
  });
  addFormats(ajv);
  ajv.addSchema(
    { $id: componentsId, components: { schemas: prepareSchema(spec.components.schemas) } },
    componentsId,
  );

  const routes: RouteEntry[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const operations: Record<string, Operation> = {};
    for (const method of methods) {
      const op = item[method];
      if (op) operations[method] = op as Operation;
    }
    routes.push({
      template,
      segments: template.split('/').slice(1),
      operations,
      pathParameters: (item.parameters as Parameter[] | undefined) ?? [],
    });
  }

  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: unknown): ValidateFunction => {
    let fn = compiled.get(key);
    if (!fn) {
      fn = ajv.compile(prepareSchema(schema) as object);
      compiled.set(key, fn);
    }
    return fn;
  };

  const resolveRef = <T>(value: unknown): T => {
    let current = value;
    for (let i = 0; i < 10; i += 1) {
      const ref = (current as { $ref?: unknown } | null)?.$ref;
      if (typeof ref !== 'string' || !ref.startsWith('#/')) break;
      current = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], spec);
    }
    return current as T;
  };

  const match = (method: string, path: string) => {
    const wanted = method.toLowerCase();
    const segments = splitPath(path);
    let best: { route: RouteEntry; params: Record<string, string>; score: string } | undefined;
    for (const route of routes) {
      if (route.segments.length !== segments.length || !route.operations[wanted]) continue;
      const params: Record<string, string> = {};
      let score = '';
      let ok = true;
      for (let i = 0; i < segments.length; i += 1) {
        const pattern = route.segments[i] ?? '';
        const actual = segments[i] ?? '';
        const param = /^\{([^}]+)\}$/.exec(pattern);
        if (param?.[1]) {
          if (actual === '') ok = false;
          params[param[1]] = actual;
          score += '0';
        } else if (pattern === actual) {
          score += '1';
        } else {
          ok = false;
        }
        if (!ok) break;
      }
      if (ok && (!best || score > best.score)) best = { route, params, score };
    }
    return best;
  };

  const findOperation = (method: string, path: string): OpenApiOperationMatch | undefined => {
    const found = match(method, path);
    if (!found) return undefined;
    const op = found.route.operations[method.toLowerCase()];
    return {
      template: found.route.template,
      method: method.toUpperCase(),
      operationId: op?.operationId ?? `${method} ${found.route.template}`,
      params: found.params,
    };
  };

  const validateRequest = (request: OpenApiRequest): ReadonlyArray<string> => {
    const method = request.method.toUpperCase();
    const found = match(method, request.path);
    if (!found) return [`${method} ${request.path}: no such operation in the OpenAPI description`];
    const label = `${method} ${found.route.template}`;
    const op = found.route.operations[method.toLowerCase()] as Operation;
    const errors: string[] = [];
    const parameters = [...found.route.pathParameters, ...(op.parameters ?? [])].map((p) =>
      resolveRef<Parameter>(p),
    );
    const query = request.query ?? {};
    for (const param of parameters) {
      const key = `${label} param ${param.in}:${param.name}`;
      if (param.in === 'path') {
        const value = found.params[param.name];
        if (value === undefined) continue;
        const fn = compile(key, param.schema ?? {});
        if (!fn(coerce(value, param.schema))) {
          errors.push(...formatErrors(`${label} request path {${param.name}}`, fn.errors));
        }
      } else if (param.in === 'query') {
        const raw = query[param.name];
        if (raw === undefined) {
          if (param.required) errors.push(`${label} request: query ${param.name} is required`);
          continue;
        }
        const fn = compile(key, param.schema ?? {});
        const value =
          param.schema?.type === 'array'
            ? (Array.isArray(raw) ? raw : [raw]).map((v: string) =>
                coerce(v, param.schema?.items as Record<string, unknown> | undefined),
              )
            : coerce(Array.isArray(raw) ? String(raw[0]) : String(raw), param.schema);
        if (!fn(value))
          errors.push(...formatErrors(`${label} request query ${param.name}`, fn.errors));
      }
    }
    const known = new Set(parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of Object.keys(query)) {
      if (!known.has(name) && options.unknownQueryParameters !== 'allow') {
        errors.push(`${label} request: unknown query parameter ${name}`);
      }
    }
    const requestBody = resolveRef<
      { required?: boolean; content?: Record<string, { schema?: unknown }> } | undefined
    >(op.requestBody);
    if (requestBody) {
      const schema = requestBody.content?.['application/json']?.schema;
      if (isEmptyBody(request.body)) {
        if (requestBody.required) errors.push(`${label} request: body is required`);
      } else if (schema) {
        const fn = compile(`${label} requestBody`, schema);
        if (!fn(request.body)) errors.push(...formatErrors(`${label} request`, fn.errors));
      }
    } else if (!isEmptyBody(request.body) && method !== 'GET') {
      errors.push(`${label} request: the operation takes no body`);
    }
    return errors;
  };

  const basicError = {
    type: 'object',
    required: ['message'],
    properties: { message: { type: 'string' }, documentation_url: { type: 'string' } },
  };

  const validateResponse = (response: OpenApiResponse): ReadonlyArray<string> => {
    const method = response.method.toUpperCase();
    const found = match(method, response.path);
    if (!found) return [`${method} ${response.path}: no such operation in the OpenAPI description`];
    const label = `${method} ${found.route.template} ${response.status}`;
    const op = found.route.operations[method.toLowerCase()] as Operation;
    const documented = op.responses?.[String(response.status)] ?? op.responses?.default;
    if (!documented) {
      if (response.status >= 400) {
        const fn = compile('basic-error', basicError);
        return fn(response.body) ? [] : formatErrors(`${label} (undocumented error)`, fn.errors);
      }
      return [`${label}: status not documented for this operation`];
    }
    const resolved = resolveRef<{ content?: Record<string, { schema?: unknown }> }>(documented);
    const contentKey = Object.keys(resolved.content ?? {}).find((k) => k.includes('json'));
    const schema = contentKey ? resolved.content?.[contentKey]?.schema : undefined;
    if (!schema) {
      if (response.status >= 400 && !isEmptyBody(response.body)) {
        // Documented without a body (DELETE .../git/refs 422), yet GitHub sends its error shape.
        const fn = compile('basic-error', basicError);
        return fn(response.body) ? [] : formatErrors(`${label} (error body)`, fn.errors);
      }
      return isEmptyBody(response.body) ||
        (typeof response.body === 'object' && Object.keys(response.body as object).length === 0)
        ? []
        : [`${label}: the description documents no body, but one was sent`];
    }
    const fn = compile(`${label} response`, schema);
    return fn(response.body) ? [] : formatErrors(label, fn.errors);
  };

  return { findOperation, validateRequest, validateResponse };
}
