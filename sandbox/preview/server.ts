import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { closeNow, listenOnLoopback } from '../loopback-server';
import { customLabels } from '../org/labels';
import type { SandboxOrg } from '../org/org';
import { picklistValues } from '../org/package-metadata';
import { describeObject, objectOfId } from '../org/schema';
import { REPO_ROOT } from '../paths';
import type { ShimContext } from '../shim/apex-method';
import { APEX_CONTROLLERS } from '../shim/controllers';
import { auraMessage } from '../shim/errors';
import { PAGES, renderIndex, renderPage, type PageName } from './pages';

/**
 * The preview server on 127.0.0.1: the four pages, the compiled components, SLDS, the Apex
 * shim (`POST /apex/{Class}/{method}` with the parameters by name) and the few UI API reads
 * the components wire (`/ui-api/…`).
 */

const SLDS_DIR = path.join(REPO_ROOT, 'node_modules/@salesforce-ux/design-system/assets');
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export interface PreviewServer {
  url: string;
  stop(): Promise<void>;
}

export interface PreviewOptions {
  port: number;
  bundle: string;
  context: ShimContext;
  caseId: string;
  /** Called with every Apex call and its outcome (the sandbox logs failures). */
  onApexCall?: (call: {
    className: string;
    methodName: string;
    status: number;
    error?: unknown;
  }) => void;
}

/** The case a case page shows: `?id=` when it names a case of the org, else the seeded one. */
function caseOf(url: URL, options: PreviewOptions): string {
  const id = url.searchParams.get('id');
  return id && objectOfId(id)?.name === 'Case' && options.context.org.get(id) ? id : options.caseId;
}

const sendJson = (res: http.ServerResponse, status: number, body: unknown) =>
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));

async function apex(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: PreviewOptions,
  match: RegExpExecArray,
) {
  const [, className = '', methodName = ''] = match;
  const method = APEX_CONTROLLERS[className]?.[methodName];
  if (!method) {
    sendJson(res, 404, { message: `No @AuraEnabled method ${className}.${methodName}` });
    return;
  }
  let args: Record<string, unknown>;
  try {
    args = JSON.parse((await text(req)) || '{}') as Record<string, unknown>;
  } catch {
    sendJson(res, 400, { message: 'The parameters are not JSON.' });
    return;
  }
  try {
    const value = await method.invoke(options.context, args);
    options.onApexCall?.({ className, methodName, status: 200 });
    sendJson(res, 200, { value: value ?? null });
  } catch (error) {
    options.onApexCall?.({ className, methodName, status: 500, error });
    // As Aura answers an action that threw: a successful response whose action is in error,
    // with the AuraHandledException's message for the component to parse.
    sendJson(res, 200, {
      error: {
        message: auraMessage(error, customLabels().get('Jira_Error_Unexpected') ?? ''),
        exceptionType: 'System.AuraHandledException',
        isUserDefinedException: false,
      },
    });
  }
}

function uiApi(res: http.ServerResponse, org: SandboxOrg, url: URL): boolean {
  const record = /^\/ui-api\/records\/([A-Za-z0-9]+)$/.exec(url.pathname);
  if (record) {
    const row = org.get(record[1]);
    if (!row) {
      sendJson(res, 404, [
        { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
      ]);
      return true;
    }
    const fields = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    sendJson(res, 200, {
      id: row.Id,
      apiName: fields[0]?.split('.')[0] ?? null,
      fields: Object.fromEntries(
        fields.map((field) => {
          const name = field.split('.').slice(1).join('.');
          const value = org.valueOf(row, name);
          return [name, { value, displayValue: null }];
        }),
      ),
    });
    return true;
  }
  const picklist = /^\/ui-api\/object-info\/(\w+)\/picklist-values\/\w+\/(\w+)$/.exec(url.pathname);
  if (picklist) {
    const values = picklistValues(picklist[1] as string, picklist[2] as string);
    sendJson(res, 200, {
      defaultValue: null,
      values: values.map((entry) => ({
        value: entry.value,
        label: entry.label,
        attributes: null,
        validFor: [],
      })),
    });
    return true;
  }
  const objectInfo = /^\/ui-api\/object-info\/(\w+)$/.exec(url.pathname);
  if (objectInfo) {
    const name = objectInfo[1] as string;
    const object = describeObject(name);
    sendJson(res, 200, {
      apiName: name,
      label: object?.label ?? name,
      // The master record type of an object without record types.
      defaultRecordTypeId: '012000000000000AAA',
      fields: {},
    });
    return true;
  }
  return false;
}

function slds(res: http.ServerResponse, pathname: string): boolean {
  const file = path.normalize(path.join(SLDS_DIR, pathname.slice('/slds/'.length)));
  if (!file.startsWith(SLDS_DIR + path.sep) || !existsSync(file) || !statSync(file).isFile())
    return false;
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': 'max-age=3600',
  });
  createReadStream(file).pipe(res);
  return true;
}

export async function startPreviewServer(options: PreviewOptions): Promise<PreviewServer> {
  const pages = new Map(
    (Object.entries(PAGES) as [PageName, { path: string }][]).map(([name, page]) => [
      page.path,
      name,
    ]),
  );
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://preview');
    const handled = (async () => {
      const apexCall = /^\/apex\/(\w+)\/(\w+)$/.exec(url.pathname);
      if (req.method === 'POST' && apexCall) return apex(req, res, options, apexCall);
      if (req.method !== 'GET') return sendJson(res, 405, { message: 'Method not allowed' });
      const page = pages.get(url.pathname);
      if (page || url.pathname === '/') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(page ? renderPage(page, options.context.org, caseOf(url, options)) : renderIndex());
        return;
      }
      if (url.pathname === '/app.js') {
        res
          .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
          .end(options.bundle);
        return;
      }
      if (url.pathname.startsWith('/ui-api/') && uiApi(res, options.context.org, url)) return;
      if (url.pathname.startsWith('/slds/') && slds(res, url.pathname)) return;
      if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
      sendJson(res, 404, { message: 'Not found' });
    })();
    handled.catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error) });
    });
  });
  const port = await listenOnLoopback(server, options.port);
  return { url: `http://127.0.0.1:${port}`, stop: () => closeNow(server) };
}
