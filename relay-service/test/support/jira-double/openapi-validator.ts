import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from '../processes';

/**
 * Checks Jira traffic against Atlassian's own OpenAPI documents, so the double (and what the
 * relay sends it) cannot drift from real Jira. The repository keeps them cut down to the
 * operations the relay uses (relay-service/scripts/cut-jira-specs.mjs says where they come
 * from and how to refresh them).
 */
export const SPECS_DIR = path.resolve(REPO_ROOT, 'relay-service/test/support/jira-specs');

export type SpecName = 'cloud' | 'server';

export const SPEC_FILES: Record<SpecName, string> = {
  cloud: 'jira-cloud-platform-v3.cut.json',
  server: 'jira-datacenter-10.3-v2.cut.json',
};

interface Operation {
  template: string;
  pointer: string;
  operation: {
    parameters?: { name: string; in: string; required?: boolean }[];
    requestBody?: { content?: Record<string, unknown> };
    responses?: Record<string, { content?: Record<string, unknown> }>;
  };
}

type OpenApiDocument = {
  paths: Record<string, Record<string, Operation['operation']>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly routes: { regex: RegExp; params: number; template: string }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    private readonly document: OpenApiDocument,
    /** What the document's paths leave out: DC paths start at /api/2 (server URL ends in /rest). */
    private readonly stripPrefix: string,
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
    addFormats(this.ajv);
    for (const format of ['int32', 'int64', 'double', 'float', 'uri-reference', 'binary', 'byte'])
      this.ajv.addFormat(format, true);
    this.ajv.addSchema(document, 'spec');
    this.routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        params: (template.match(/\{[^}]+\}/g) ?? []).length,
        regex: new RegExp(
          `^${template
            .split(/(\{[^}]+\})/)
            .map((part) =>
              part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
            )
            .join('')}$`,
        ),
      }))
      // Literal segments win over parameters: /issue/createmeta before /issue/{issueIdOrKey}.
      .sort((a, b) => a.params - b.params || b.template.length - a.template.length);
  }

  /** The documented operation for a concrete request path (below the API base), if any. */
  find(method: string, requestPath: string): Operation | undefined {
    const bare = requestPath.startsWith(this.stripPrefix)
      ? requestPath.slice(this.stripPrefix.length)
      : requestPath;
    const m = method.toLowerCase();
    for (const route of this.routes) {
      if (!route.regex.test(bare)) continue;
      const operation = this.document.paths[route.template]?.[m];
      if (!operation) continue;
      return {
        template: route.template,
        pointer: `#/paths/${escapePointer(route.template)}/${m}`,
        operation,
      };
    }
    return undefined;
  }

  /** Problems with a request: undocumented operation, missing required query, body shape. */
  validateRequest(
    method: string,
    requestPath: string,
    query: URLSearchParams,
    body: unknown,
  ): string[] {
    const found = this.find(method, requestPath);
    if (!found) return [`${method} ${requestPath}: no such operation in the OpenAPI document`];
    const problems: string[] = [];
    for (const parameter of found.operation.parameters ?? []) {
      if (parameter.in === 'query' && parameter.required && !query.has(parameter.name)) {
        problems.push(
          `${method} ${found.template}: required query parameter ${parameter.name} missing`,
        );
      }
    }
    const content = found.operation.requestBody?.content;
    if (body !== undefined && content?.['application/json']) {
      const validate = this.compile(
        `${found.pointer}/requestBody/content/application~1json/schema`,
      );
      if (!validate(body))
        problems.push(...this.describe(`${method} ${found.template} request`, validate));
    }
    return problems;
  }

  /** Problems with a response body against the documented schema for its status. */
  validateResponse(method: string, requestPath: string, status: number, body: unknown): string[] {
    const found = this.find(method, requestPath);
    if (!found) return [`${method} ${requestPath}: no such operation in the OpenAPI document`];
    const documented = found.operation.responses?.[String(status)];
    if (!documented) {
      // Errors (4xx/5xx) are often undocumented; a success status must be documented.
      return status < 400 ? [`${method} ${found.template}: status ${status} not documented`] : [];
    }
    const schema = documented.content?.['application/json'];
    if (!schema || body === undefined) return [];
    const validate = this.compile(
      `${found.pointer}/responses/${status}/content/application~1json/schema`,
    );
    return validate(body)
      ? []
      : this.describe(`${method} ${found.template} ${status} response`, validate);
  }

  private compile(pointer: string): ValidateFunction {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `spec${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  private describe(what: string, validate: ValidateFunction): string[] {
    return (validate.errors ?? [])
      .slice(0, 5)
      .map(
        (e) =>
          `${what}: ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
  }
}

// Loaded once per test file (Jest gives every file its own module registry): the documents
// are megabytes.
const loaded = new Map<SpecName, OpenApiValidator>();

export function openApiValidator(name: SpecName): OpenApiValidator {
  let validator = loaded.get(name);
  if (!validator) {
    const document = JSON.parse(
      readFileSync(path.join(SPECS_DIR, SPEC_FILES[name]), 'utf8'),
    ) as OpenApiDocument;
    loosenKnownGaps(document, name);
    validator = new OpenApiValidator(document, name === 'server' ? '/rest' : '');
    loaded.set(name, validator);
  }
  return validator;
}

/**
 * Where Atlassian's documents disagree with what Jira really does, loosened narrowly (and only
 * here) so the double can stay faithful to Jira without failing validation.
 */
function loosenKnownGaps(document: OpenApiDocument, name: SpecName): void {
  if (name === 'server') {
    // The DC document types every `fields` value as an object; real DC sends and takes
    // strings (summary), numbers, arrays and null there too; renderedFields likewise.
    for (const bean of ['IssueUpdateBean', 'IssueBean']) {
      const schema = document.components.schemas[bean];
      if (schema?.properties) schema.properties.fields = { type: 'object' };
      if (schema?.properties?.renderedFields) schema.properties.renderedFields = { type: 'object' };
    }
  }
  if (name === 'server') {
    // GET /api/2/project answers a list of projects; the document describes a single one.
    const projects = document.paths['/api/2/project']?.get?.responses?.['200']?.content?.[
      'application/json'
    ] as { schema?: unknown } | undefined;
    if (projects?.schema) projects.schema = { type: 'array', items: projects.schema };
  }
  if (name === 'server') {
    // POST /api/2/issue/{key}/attachments answers a list (one entry per file sent); the
    // document describes a single attachment.
    const added = document.paths['/api/2/issue/{issueIdOrKey}/attachments']?.post?.responses?.[
      '200'
    ]?.content?.['application/json'] as { schema?: unknown } | undefined;
    if (added?.schema) added.schema = { type: 'array', items: added.schema };
  }
  // GET …/remotelink without `globalId` answers an array of links; both documents only
  // describe the single link returned for a `globalId` query.
  const remoteLinks =
    document.paths[
      name === 'cloud'
        ? '/rest/api/3/issue/{issueIdOrKey}/remotelink'
        : '/api/2/issue/{issueIdOrKey}/remotelink'
    ];
  const listed = remoteLinks?.get?.responses?.['200']?.content?.['application/json'] as
    { schema?: unknown } | undefined;
  if (listed?.schema)
    listed.schema = { anyOf: [listed.schema, { type: 'array', items: listed.schema }] };
}
