import { z } from 'zod';

/**
 * Turns off zod's code generation before any schema is built.
 *
 * zod compiles fast parsers with `new Function`, and even its probe for whether that is
 * allowed is reported as a CSP violation under our `script-src 'self'`. This module must
 * be the entry's first import: zod decides per schema, at construction.
 */
export const zodJitless = true;
z.config({ jitless: zodJitless });
