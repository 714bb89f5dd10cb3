import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { StreamrecError } from '../../errors.ts';

interface NumericParam {
  part: 'query' | 'params';
  name: string;
  integer: boolean;
  minimum: number | undefined;
  maximum: number | undefined;
}

// Plain decimal only: no sign, exponent, hex, binary, leading zeros or spaces, and at most
// 15 digits, so Number() of it is exact and finite. Ajv's own coercion takes "1e400" as
// Infinity and then skips minimum/maximum for non-finite numbers.
const INTEGER = /^-?(?:0|[1-9]\d{0,14})$/;
const DECIMAL = /^-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?$/;

/**
 * Numeric query and path parameters are parsed here, strictly, before schema validation
 * (which runs without type coercion), and bounded by their schema's minimum and maximum.
 * Every route gets this from its schema alone; a bad value is a 400 naming the parameter
 * and its allowed range.
 */
export function installNumericParams(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const params = numericParamsOf(route);
    if (params.length === 0) return;
    const parse = async (request: FastifyRequest) => {
      for (const p of params) parseInto(request, p);
    };
    route.preValidation = [...asArray(route.preValidation), parse] as RouteOptions['preValidation'];
  });
}

function numericParamsOf(route: RouteOptions): NumericParam[] {
  const out: NumericParam[] = [];
  const parts = [['query', route.schema?.querystring], ['params', route.schema?.params]] as const;
  for (const [part, schema] of parts) {
    const properties = (schema as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties ?? {};
    for (const [name, s] of Object.entries(properties)) {
      if (s.type !== 'integer' && s.type !== 'number') continue;
      out.push({
        part,
        name,
        integer: s.type === 'integer',
        minimum: typeof s.minimum === 'number' ? s.minimum : undefined,
        maximum: typeof s.maximum === 'number' ? s.maximum : undefined,
      });
    }
  }
  return out;
}

function parseInto(request: FastifyRequest, p: NumericParam): void {
  const values = request[p.part] as Record<string, unknown> | undefined;
  const raw = values?.[p.name];
  if (raw === undefined || values === undefined) return;
  const value = typeof raw === 'string' && (p.integer ? INTEGER : DECIMAL).test(raw) ? Number(raw) : undefined;
  if (value === undefined || (p.minimum !== undefined && value < p.minimum) || (p.maximum !== undefined && value > p.maximum)) {
    throw new StreamrecError('BAD_REQUEST', `${p.name} must be ${describe(p)}, got ${shown(raw)}`, {
      hint: 'plain decimal digits, e.g. k=10',
    });
  }
  values[p.name] = value;
}

function describe(p: NumericParam): string {
  const what = p.integer ? 'an integer' : 'a number';
  if (p.minimum !== undefined && p.maximum !== undefined) return `${what} from ${p.minimum} to ${p.maximum}`;
  if (p.minimum !== undefined) return `${what} of at least ${p.minimum}`;
  if (p.maximum !== undefined) return `${what} of at most ${p.maximum}`;
  return what;
}

function shown(raw: unknown): string {
  if (Array.isArray(raw)) return 'the parameter more than once';
  const text = JSON.stringify(String(raw));
  return text.length > 40 ? `${text.slice(0, 37)}..."` : text;
}

function asArray<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
