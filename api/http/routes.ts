import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { demand, principal as principalOf, type Permission, type Principal } from '../auth/index.js';
import { parsePart } from './validate.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
}

/**
 * One route, once: the schemas that validate it are the ones its OpenAPI entry is generated
 * from, and the permission it demands is checked before the handler runs.
 */
export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express style, relative to /api/v1 (`/clients/:client_id`). */
  path: string;
  summary: string;
  tag: string;
  permission: Permission;
  params?: P;
  query?: Q;
  body?: B;
  /** The success body's schema (documentation; the handler's value is sent as JSON). */
  response?: z.ZodType;
  /** @default 200 (201 for a POST that creates, when set) */
  status?: number;
  /** Other answers worth documenting (401, 403, 404 and 400 are documented for every route). */
  errors?: Record<number, string>;
  /** Something other than JSON (a file, HTML): the handler sends it itself. */
  produces?: string;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>;
}

const Empty = z.object({}).strict();

export class ApiRoutes {
  readonly router: Router = express.Router();
  private readonly defs: RouteDef<z.ZodType, z.ZodType, z.ZodType>[] = [];

  add<P extends z.ZodType = typeof Empty, Q extends z.ZodType = typeof Empty, B extends z.ZodType = typeof Empty>(def: RouteDef<P, Q, B>): void {
    this.defs.push(def as unknown as RouteDef<z.ZodType, z.ZodType, z.ZodType>);
    this.router[def.method](def.path, async (req, res, next) => {
      try {
        const principal = principalOf(res);
        demand(principal, def.permission);
        const params = parsePart(def.params ?? z.object({}).passthrough(), req.params, 'params');
        const query = parsePart(def.query ?? z.object({}).passthrough(), req.query, 'query');
        const body = def.body ? parsePart(def.body, req.body, 'body') : undefined;
        const value = await def.handler({ req, res, principal, params, query, body } as RouteContext<z.output<P>, z.output<Q>, z.output<B>>);
        if (!res.headersSent) res.status(def.status ?? 200).json(value ?? {});
      } catch (error) {
        next(error);
      }
    });
  }

  /** The OpenAPI 3.1 document of every route added, from the same zod schemas. */
  openapi(info: { title: string; version: string }): object {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const def of this.defs) {
      const path = `/api/v1${def.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
      const parameters = [
        ...objectParams(def.params, 'path'),
        ...objectParams(def.query, 'query'),
      ];
      const responses: Record<string, unknown> = {
        [String(def.status ?? 200)]: def.produces
          ? { description: 'success', content: { [def.produces]: {} } }
          : { description: 'success', content: { 'application/json': { schema: def.response ? jsonSchema(def.response, 'output') : {} } } },
        400: { description: 'invalid request: the message names the field' },
        401: { description: 'no valid bearer token or console session' },
        403: { description: `the role may not ${def.permission}` },
        404: { description: 'no such resource, or one of another client' },
        ...Object.fromEntries(Object.entries(def.errors ?? {}).map(([k, v]) => [k, { description: v }])),
      };
      (paths[path] ??= {})[def.method] = {
        summary: def.summary,
        tags: [def.tag],
        'x-raize-permission': def.permission,
        ...(parameters.length ? { parameters } : {}),
        ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body, 'input') } } } } : {}),
        responses,
        security: [{ bearer: [] }, { session: [] }],
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token (`npx raize token create`)' },
          session: { type: 'apiKey', in: 'cookie', name: 'raize_session', description: 'a console session; state-changing requests also need the CSRF token' },
        },
      },
      paths,
    };
  }
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): object {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function objectParams(schema: z.ZodType | undefined, where: 'path' | 'query'): object[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s,
  }));
}
