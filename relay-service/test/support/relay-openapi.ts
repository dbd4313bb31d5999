import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { parse } from 'yaml';
import type { Exchange } from './connections';

type JsonObject = Record<string, unknown>;

interface OpenApiDocument {
  paths: Record<string, Record<string, JsonObject>>;
  components: JsonObject;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function loadRelayOpenApi(): OpenApiDocument {
  return parse(
    readFileSync(path.resolve(__dirname, '../../openapi.yaml'), 'utf8'),
  ) as OpenApiDocument;
}

/** Every (METHOD, /path/{param}) the document describes. */
export function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([route, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${route}`),
  );
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (METHOD, /path/{param}) the Express app serves, read from its router. */
export function servedRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const route = layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') routes.push(`${method.toUpperCase()} ${route}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(routes)];
}

function templateMatches(template: string, actual: string): boolean {
  const pattern = template
    .split('/')
    .map((segment) =>
      /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${pattern}$`).test(actual);
}

/** Validates real requests and answers against relay-service/openapi.yaml. */
export class RelayContractValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument = loadRelayOpenApi()) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...doc, $id: 'relay' });
  }

  private operation(method: string, actualPath: string): { template: string; op: JsonObject } {
    const pathOnly = actualPath.split('?')[0] as string;
    const template = Object.keys(this.doc.paths)
      .filter((t) => templateMatches(t, pathOnly))
      // The most literal template wins (e.g. /v1/issues/bulk over /v1/issues/{key}).
      .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
    const op = template ? this.doc.paths[template]?.[method.toLowerCase()] : undefined;
    if (!template || !op) throw new Error(`${method} ${pathOnly} is not in openapi.yaml`);
    return { template, op };
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.cache.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `relay#${pointer}` });
      this.cache.set(pointer, validate);
    }
    return validate;
  }

  private escape(segment: string): string {
    return segment.replace(/~/g, '~0').replace(/\//g, '~1');
  }

  /** Problems found in one exchange (empty when it conforms). */
  check(exchange: Exchange): string[] {
    const problems: string[] = [];
    const { template, op } = this.operation(exchange.method, exchange.path);
    const base = `/paths/${this.escape(template)}/${exchange.method.toLowerCase()}`;
    const label = `${exchange.method} ${exchange.path} → ${exchange.status}`;
    if (exchange.requestBody !== undefined && exchange.status < 400) {
      const validate = this.validator(`${base}/requestBody/content/application~1json/schema`);
      if (!validate(exchange.requestBody))
        problems.push(`${label}: request ${this.ajv.errorsText(validate.errors)}`);
    }
    const responses = op.responses as Record<string, JsonObject>;
    const key = responses[String(exchange.status)]
      ? String(exchange.status)
      : responses.default
        ? 'default'
        : undefined;
    if (!key) {
      problems.push(`${label}: status not documented`);
      return problems;
    }
    const mediaType = exchange.contentType.split(';')[0]?.trim() ?? '';
    if (exchange.responseBody === undefined) return problems;
    let pointer = `${base}/responses/${key}`;
    let response = responses[key] as JsonObject;
    if (typeof response.$ref === 'string') {
      pointer = response.$ref.slice(1);
      const name = response.$ref.split('/').pop() as string;
      response = (this.doc.components.responses as Record<string, JsonObject>)[name] as JsonObject;
    }
    const content = response.content as Record<string, unknown> | undefined;
    if (!content?.[mediaType]) {
      problems.push(`${label}: media type ${mediaType} not documented`);
      return problems;
    }
    const validate = this.validator(`${pointer}/content/${this.escape(mediaType)}/schema`);
    if (!validate(exchange.responseBody))
      problems.push(`${label}: response ${this.ajv.errorsText(validate.errors)}`);
    return problems;
  }

  checkAll(exchanges: Exchange[]): string[] {
    return exchanges.flatMap((exchange) => this.check(exchange));
  }
}
