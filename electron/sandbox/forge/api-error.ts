/** Where GitHub's error bodies point; the forge answers the same so clients read them alike. */
export const documentationUrl = 'https://docs.github.com/rest';

/** One entry of a 422 `Validation Failed` body, as GitHub writes them. */
export interface ValidationErrorItem {
  readonly resource: string;
  readonly code:
    'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom';
  readonly field?: string;
  readonly message?: string;
}

/**
 * An answer other than success, in GitHub's error shape.
 *
 * Route handlers throw it; the server turns it into `{ message, documentation_url }`
 * (plus `errors` for 422) with the status, so every refusal reads like GitHub's.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: ReadonlyArray<ValidationErrorItem>,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The JSON body GitHub would send. */
  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: documentationUrl,
      status: String(this.status),
    };
  }
}

/** 404 `Not Found`: also what a caller gets for a resource it may not know exists. */
export function notFound(): ApiError {
  return new ApiError(404, 'Not Found');
}

/** 422 `Validation Failed` with GitHub's `errors` list. */
export function validationFailed(...errors: ReadonlyArray<ValidationErrorItem>): ApiError {
  return new ApiError(422, 'Validation Failed', errors);
}

/** 422 with a message of its own, as GitHub answers for git ref conflicts. */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, message);
}
