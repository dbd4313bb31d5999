#!/usr/bin/env node
// Cuts Atlassian's published Jira OpenAPI documents down to the operations the relay uses (and
// the Jira test double serves), keeping every component schema those operations reach. The
// cut copies live in the repository so a fresh clone validates Jira traffic with nothing
// beside it; this script is how they are refreshed.
//
//   node relay-service/scripts/cut-jira-specs.mjs <folder with the published documents>
//
// Where the published documents come from:
//   Cloud: https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json
//   Data Center: https://developer.atlassian.com/server/jira/platform/rest/ (OpenAPI download)
// Save them under the file names in SOURCES, run this script, review the diff, commit.
// A new Jira call in the relay or the double needs its operation added to OPERATIONS first:
// the validator reports any request to an operation the cut documents do not hold.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const OUTPUT_DIR = path.resolve(here, '../test/support/jira-specs');

// What to keep lives beside the cut documents, so tests read the same list.
const keep = JSON.parse(readFileSync(path.join(OUTPUT_DIR, 'operations.json'), 'utf8'));
/** Operations the relay calls, as `METHOD path` below each document's own prefix. */
export const OPERATIONS = keep.operations;
/** Component schemas read directly by tests (beyond those the operations reach). */
export const EXTRA_SCHEMAS = keep.extraSchemas;
/**
 * Answers a published document describes wrongly, replaced with what Jira sends (each with
 * why); the corrected response is marked `x-corrected`.
 */
export const CORRECTIONS = keep.corrections ?? {};

export const SOURCES = {
  cloud: { file: 'jira-cloud-platform-v3.openapi.json', prefix: '/rest/api/3' },
  server: { file: 'jira-datacenter-10.3-v2.openapi.json', prefix: '/api/2' },
};

export const cutFileName = (name) => SOURCES[name].file.replace(/\.openapi\.json$/, '.cut.json');

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Every `#/components/...` reference reachable from `node`, followed transitively. */
function collectRefs(document, node, seen) {
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...current);
    } else if (current && typeof current === 'object') {
      for (const [key, value] of Object.entries(current)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/')) {
          if (seen.has(value)) continue;
          seen.add(value);
          const [, , section, name] = value.split('/');
          const target = document.components?.[section]?.[name];
          if (target === undefined) throw new Error(`dangling reference ${value}`);
          stack.push(target);
        } else {
          stack.push(value);
        }
      }
    }
  }
}

export function cutDocument(document, name, sourceText) {
  const { prefix, file } = SOURCES[name];
  const paths = {};
  const missing = [];
  for (const entry of OPERATIONS) {
    const [method, suffix] = entry.split(' ');
    const template = `${prefix}${suffix}`;
    const operation = document.paths[template]?.[method.toLowerCase()];
    if (!operation) {
      missing.push(entry);
      continue;
    }
    paths[template] ??= {};
    // Path-level parameters apply to every method under the path.
    if (document.paths[template].parameters)
      paths[template].parameters = document.paths[template].parameters;
    paths[template][method.toLowerCase()] = operation;
  }
  for (const correction of CORRECTIONS[name] ?? []) {
    const [method, suffix] = correction.operation.split(' ');
    const item = paths[`${prefix}${suffix}`];
    const operation = item?.[method.toLowerCase()];
    const response = operation?.responses?.[correction.status];
    if (!response) throw new Error(`correction for a response not kept: ${correction.operation}`);
    // Copies, so the published document itself stays as read.
    item[method.toLowerCase()] = {
      ...operation,
      responses: {
        ...operation.responses,
        [correction.status]: {
          ...response,
          content: { ...response.content, 'application/json': { schema: correction.schema } },
          'x-corrected': correction.why,
        },
      },
    };
  }
  const refs = new Set();
  collectRefs(document, paths, refs);
  for (const schema of EXTRA_SCHEMAS[name]) {
    const ref = `#/components/schemas/${schema}`;
    if (!document.components.schemas[schema]) throw new Error(`${schema} not in ${file}`);
    refs.add(ref);
    collectRefs(document, document.components.schemas[schema], refs);
  }
  const components = {};
  for (const ref of [...refs].sort()) {
    const [, , section, key] = ref.split('/');
    components[section] ??= {};
    components[section][key] = document.components[section][key];
  }
  if (document.components.securitySchemes)
    components.securitySchemes = document.components.securitySchemes;
  return {
    document: {
      openapi: document.openapi,
      info: {
        ...document.info,
        'x-cut': {
          source: file,
          sourceVersion: document.info.version,
          sourceSha256: createHash('sha256').update(sourceText).digest('hex'),
          by: 'relay-service/scripts/cut-jira-specs.mjs',
          operationsKept: Object.values(paths).reduce(
            (count, item) => count + Object.keys(item).filter((k) => METHODS.has(k)).length,
            0,
          ),
        },
      },
      servers: document.servers,
      paths,
      components,
    },
    missing,
  };
}

function main() {
  const sourceDir = process.argv[2];
  if (!sourceDir) {
    console.error(
      'usage: node relay-service/scripts/cut-jira-specs.mjs <folder with the published documents>',
    );
    process.exit(2);
  }
  mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const name of Object.keys(SOURCES)) {
    const text = readFileSync(path.join(sourceDir, SOURCES[name].file), 'utf8');
    const { document, missing } = cutDocument(JSON.parse(text), name, text);
    const out = path.join(OUTPUT_DIR, cutFileName(name));
    writeFileSync(out, `${JSON.stringify(document, null, 1)}\n`);
    const size = Buffer.byteLength(JSON.stringify(document));
    console.log(
      `${name}: ${document.info['x-cut'].operationsKept} operations, ` +
        `${Object.keys(document.components.schemas ?? {}).length} schemas, ${Math.round(size / 1024)} KiB → ${path.relative(process.cwd(), out)}` +
        (missing.length ? ` (not in this document: ${missing.join(', ')})` : ''),
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
