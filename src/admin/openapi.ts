import { z } from 'zod';
import type { Route } from './routes';
import { bulkResult, problem } from './schemas';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

/** Each field of an object schema as an OpenAPI parameter. */
function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const doc = jsonSchema(schema, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (doc.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

const json = (schema: z.ZodType, io: 'input' | 'output') => ({ content: { 'application/json': { schema: jsonSchema(schema, io) } } });

/** The OpenAPI 3.1 document of the admin API, generated from the route table's schemas. */
export function openApiDocument(routes: readonly Route[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      description: `Needs the ${r.role} role.`,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, ...json(r.body, 'input') } } : {}),
      responses: {
        200: { description: 'OK', ...json(r.response, 'output') },
        ...(r.response === bulkResult ? { 202: { description: 'A job was started: poll /jobs/{id}', ...json(r.response, 'output') } } : {}),
        400: { description: 'Invalid input', ...json(problem, 'output') },
        401: { description: 'Missing or unknown token', ...json(problem, 'output') },
        403: { description: 'The token may not do this (viewer)', ...json(problem, 'output') },
        404: { description: 'Not found', ...json(problem, 'output') },
        ...(r.body ? { 415: { description: 'The body is missing or not JSON (Content-Type: application/json)', ...json(problem, 'output') } } : {}),
        409: { description: 'Refused (e.g. a sink still configured)', ...json(problem, 'output') },
        429: { description: 'Too many failed logins from this client', ...json(problem, 'output') },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'IM callback gateway admin API', version, description: 'Operator actions on one gateway pod. Authorization: Bearer <operator token>.' },
    components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
    security: [{ token: [] }],
    paths,
  };
}
