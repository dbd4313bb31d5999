import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  inNamespace,
  isCustomName,
  loadObjectDefinitions,
  type FieldDefinition,
  type ObjectDefinition,
} from './metadata';
import { DoubleFiles } from './files';

/**
 * A Salesforce org on 127.0.0.1 for tests: OAuth token endpoint (client credentials, JWT
 * bearer), sObject Collections upsert, sObject create and a small SOQL query, validated against
 * the object metadata in force-app and answering with Salesforce's error shapes.
 *
 * With `namespace` it is an org that installed the managed package under that prefix: it knows
 * package objects and fields only as `<ns>__Name__c`, and answers a plain name as such an org
 * does (INVALID_TYPE for an object, INVALID_FIELD for a field).
 */

export type Fault =
  /** 503 with SERVER_UNAVAILABLE on every endpoint, token endpoint included. */
  | { kind: 'unavailable' }
  /** 403 REQUEST_LIMIT_EXCEEDED on the data API (the org's daily API limit is used up). */
  | { kind: 'request_limit' }
  /** The connection is dropped without an answer (network failure). */
  | { kind: 'reset' }
  | { kind: 'none' };

export type CallKind = 'token' | 'upsert' | 'create' | 'query' | 'file' | 'other';

export interface ApiCall {
  kind: CallKind;
  status: number;
  /** Records in an upsert or create call. */
  records: number;
  at: number;
}

export interface SalesforceDoubleOptions {
  objects?: Map<string, ObjectDefinition>;
  /** The package's namespace prefix in this org (none when absent or ""). */
  namespace?: string;
  orgId?: string;
  userId?: string;
}

type SObject = Record<string, unknown>;

interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }
}

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

/** Indexes a record under its value of `field`; the first record with a value keeps it. */
function indexRecord(index: Map<string, SObject>, field: string, record: SObject): void {
  const value = record[field];
  if (value !== undefined && value !== null && !index.has(String(value)))
    index.set(String(value), record);
}

const STANDARD_FIELDS = new Set(['Id', 'Name', 'OwnerId', 'CreatedDate', 'LastModifiedDate']);
const KEY_PREFIXES = new Map<string, string>();
const USER_ID = /^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/;

export class SalesforceDouble {
  readonly calls: ApiCall[] = [];
  /** Object name → record id → record. */
  readonly data = new Map<string, Map<string, SObject>>();
  /** How many times each external id value was written by an upsert (resends show as > 1). */
  readonly upsertsByExternalId = new Map<string, number>();
  fault: Fault = { kind: 'none' };
  /** ContentVersion files, their links to records, and their bytes (see files.ts). */
  readonly files = new DoubleFiles();
  /** Delay before each data API answer; the change is applied first (a slow, not a lost, write). */
  slowMs = 0;

  private readonly objects: Map<string, ObjectDefinition>;
  /** Per table (tests may replace `data`'s tables): external id field → value → record. */
  private readonly externalIdIndexes = new WeakMap<
    Map<string, SObject>,
    Map<string, Map<string, SObject>>
  >();
  private readonly clientSecrets = new Map<string, string>();
  private readonly jwtApps = new Map<string, { publicKey: KeyObject; username: string }>();
  private readonly tokens = new Set<string>();
  /** Every access token handed out, so tests can prove none leaked into logs or the store. */
  readonly issuedTokens: string[] = [];
  private counter = 0;
  private server!: http.Server;
  url = '';
  readonly orgId: string;
  readonly userId: string;
  readonly namespace: string;

  private constructor(options: SalesforceDoubleOptions) {
    this.namespace = options.namespace ?? '';
    this.objects = inNamespace(options.objects ?? loadObjectDefinitions(), this.namespace);
    this.orgId = options.orgId ?? '00D5g000004ABCDEAY';
    this.userId = options.userId ?? '0055g00000IntegrAA';
  }

  static async start(options: SalesforceDoubleOptions = {}): Promise<SalesforceDouble> {
    const double = new SalesforceDouble(options);
    double.server = http.createServer((req, res) => {
      double.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }]));
      });
    });
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    double.url = `http://127.0.0.1:${(double.server.address() as AddressInfo).port}`;
    return double;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  registerClientCredentials(clientId: string, clientSecret: string): void {
    this.clientSecrets.set(clientId, clientSecret);
  }

  registerJwtApp(clientId: string, publicKeyPem: string, username: string): void {
    this.jwtApps.set(clientId, { publicKey: createPublicKey(publicKeyPem), username });
  }

  /**
   * Field-level security of the integration user, by field name as this org knows it: a
   * hidden field is unknown to the API (the whole call fails with INVALID_FIELD, "No such
   * column"), a read-only one fails each record that sets it (INVALID_FIELD_FOR_INSERT_UPDATE).
   */
  readonly hiddenFields = new Set<string>();
  readonly readOnlyFields = new Set<string>();

  /** Every access token issued so far stops working (INVALID_SESSION_ID). */
  expireSessions(): void {
    this.tokens.clear();
  }

  countCalls(kind: CallKind, filter: (call: ApiCall) => boolean = () => true): number {
    return this.calls.filter((call) => call.kind === kind && filter(call)).length;
  }

  records(object: string): SObject[] {
    return [...(this.data.get(object)?.values() ?? [])];
  }

  /** A package object or field name (`Request_Id__c`) as this org knows it. */
  apiName(name: string): string {
    return this.namespace && isCustomName(name) ? `${this.namespace}__${name}` : name;
  }

  // ---------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    const kind = callKind(req.method ?? 'GET', url.pathname);
    const call: ApiCall = { kind, status: 0, records: 0, at: Date.now() };
    this.calls.push(call);
    const send = async (status: number, payload: unknown) => {
      call.status = status;
      if (kind !== 'token' && this.slowMs > 0) await sleep(this.slowMs);
      if (status === 204) {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(payload));
    };

    if (this.fault.kind === 'reset') {
      call.status = -1;
      req.socket.destroy();
      return;
    }
    if (this.fault.kind === 'unavailable') {
      await send(503, [
        { errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' },
      ]);
      return;
    }
    try {
      if (kind === 'token') {
        await send(200, this.token(body, req.headers.authorization));
        return;
      }
      const match = /^\/services\/data\/v(\d+)\.0(\/.*)$/.exec(url.pathname);
      if (!match) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      this.authenticate(req.headers.authorization);
      if (this.fault.kind === 'request_limit')
        throw new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      const route = match[2] as string;
      const versionData = /^\/sobjects\/ContentVersion\/(\w+)\/VersionData$/.exec(route);
      if (versionData && req.method === 'GET') {
        call.status = 200;
        await this.files.serve(versionData[1] as string, res);
        return;
      }
      let result: { status: number; payload: unknown };
      const upsert = /^\/composite\/sobjects\/(\w+)\/(\w+)$/.exec(route);
      const create = /^\/sobjects\/(\w+)\/?$/.exec(route);
      if (upsert && req.method === 'PATCH') {
        result = this.upsert(upsert[1] as string, upsert[2] as string, parseJson(body), call);
      } else if (create && req.method === 'POST') {
        result = this.create(create[1] as string, parseJson(body), call);
      } else if (route === '/query' && req.method === 'GET') {
        const soql = url.searchParams.get('q') ?? '';
        result = { status: 200, payload: this.files.query(soql) ?? this.query(soql) };
      } else {
        throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      }
      await send(result.status, result.payload);
    } catch (error) {
      if (error instanceof OAuthError) {
        await send(error.status, { error: error.error, error_description: error.description });
      } else if (error instanceof ApiError) {
        await send(error.status, [
          {
            message: error.message,
            errorCode: error.errorCode,
            ...(error.fields ? { fields: error.fields } : {}),
          },
        ]);
      } else {
        throw error;
      }
    }
  }

  // OAuth ----------------------------------------------------------------------------------

  private token(body: string, authorization: string | undefined): SObject {
    const params = new URLSearchParams(body);
    const grant = params.get('grant_type');
    if (grant === 'client_credentials') {
      let clientId = params.get('client_id');
      let clientSecret = params.get('client_secret');
      if (authorization?.startsWith('Basic ')) {
        const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString().split(':');
        clientId = id ?? null;
        clientSecret = secret ?? null;
      }
      if (!clientId || this.clientSecrets.get(clientId) !== clientSecret)
        throw new OAuthError('invalid_client', 'invalid client credentials');
      return this.issueToken();
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      this.verifyAssertion(params.get('assertion') ?? '');
      return this.issueToken();
    }
    throw new OAuthError('unsupported_grant_type', 'grant type not supported');
  }

  private verifyAssertion(assertion: string): void {
    const parts = assertion.split('.');
    if (parts.length !== 3) throw new OAuthError('invalid_grant', 'invalid assertion');
    const [header, payload, signature] = parts as [string, string, string];
    let claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown };
    let alg: unknown;
    try {
      alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
    } catch {
      throw new OAuthError('invalid_grant', 'invalid assertion');
    }
    const app = typeof claims.iss === 'string' ? this.jwtApps.get(claims.iss) : undefined;
    if (!app) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      app.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (alg !== 'RS256' || !signed) throw new OAuthError('invalid_grant', 'invalid assertion');
    if (claims.aud !== this.url) throw new OAuthError('invalid_grant', 'audience is invalid');
    if (claims.sub !== app.username)
      throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
    const nowS = Date.now() / 1000;
    // Salesforce accepts an expiry up to three minutes ahead (plus a little clock skew).
    if (typeof claims.exp !== 'number' || claims.exp < nowS || claims.exp > nowS + 300)
      throw new OAuthError('invalid_grant', 'expired authorization code');
  }

  private issueToken(): SObject {
    const accessToken = `${this.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.tokens.add(accessToken);
    this.issuedTokens.push(accessToken);
    return {
      access_token: accessToken,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
      instance_url: this.url,
      id: `${this.url}/id/${this.orgId}/${this.userId}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    };
  }

  private authenticate(authorization: string | undefined): void {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!token || !this.tokens.has(token))
      throw new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  }

  // Data API -------------------------------------------------------------------------------

  /** sObject REST resources (`/sobjects/{name}`) answer an unknown name with a plain 404. */
  private object(name: string): ObjectDefinition {
    const object = this.objects.get(name);
    if (!object) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return object;
  }

  /** Collections and SOQL name the type in the request and refuse an unknown one as a bad type. */
  private typed(name: string): ObjectDefinition {
    const object = this.objects.get(name);
    if (!object)
      throw new ApiError(
        400,
        'INVALID_TYPE',
        `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    return object;
  }

  private upsert(
    objectName: string,
    externalIdField: string,
    body: unknown,
    call: ApiCall,
  ): { status: number; payload: unknown } {
    const object = this.typed(objectName);
    const extField = object.fields.get(externalIdField);
    if (!extField?.externalId)
      throw new ApiError(
        400,
        'INVALID_FIELD',
        `Field name provided, ${externalIdField} is not an External ID or indexed field for ${objectName}`,
      );
    const { allOrNone, records } = collectionBody(body);
    for (const record of records) {
      const type = String((record.attributes as { type?: unknown }).type);
      if (type !== objectName) this.typed(type);
      if (type !== objectName)
        throw new ApiError(
          400,
          'INVALID_TYPE',
          `The list can contain objects only of the type in the request URI (${objectName}), got ${type}.`,
        );
    }
    call.records = records.length;
    if (records.length > 200)
      throw new ApiError(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records into this call',
      );
    const fieldsOf = records.map((record) => this.checkShape(object, record));
    const checks = fieldsOf.map((fields) => this.validate(object, fields));
    const anyFailed = checks.some((errors) => errors.length > 0);
    if (allOrNone && anyFailed) {
      return {
        status: 200,
        payload: checks.map((errors) => ({
          success: false,
          errors: errors.length
            ? errors
            : [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
        })),
      };
    }
    const table = this.table(objectName);
    const payload = fieldsOf.map((fields, index) => {
      const errors = checks[index] as RecordError[];
      if (errors.length) return { success: false, errors };
      const key = String(fields[externalIdField]);
      const existing = this.byExternalId(table, externalIdField).get(key);
      this.upsertsByExternalId.set(key, (this.upsertsByExternalId.get(key) ?? 0) + 1);
      if (existing) {
        Object.assign(existing, fields);
        // Another external id field of the record may have changed with it.
        this.reindex(table, existing);
        return { id: existing.Id, success: true, errors: [], created: false };
      }
      const missing = this.missingRequired(object, fields);
      if (missing.length)
        return {
          success: false,
          errors: [
            {
              statusCode: 'REQUIRED_FIELD_MISSING',
              message: `Required fields are missing: [${missing.join(', ')}]`,
              fields: missing,
            },
          ],
        };
      const id = this.newId(objectName);
      this.insert(table, { Id: id, ...fields });
      return { id, success: true, errors: [], created: true };
    });
    return { status: 200, payload };
  }

  private create(
    objectName: string,
    body: unknown,
    call: ApiCall,
  ): { status: number; payload: unknown } {
    const object = this.object(objectName);
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new ApiError(400, 'JSON_PARSER_ERROR', 'Expected a JSON object');
    call.records = 1;
    const fields = this.checkShape(object, body as SObject);
    const errors = this.validate(object, fields);
    const missing = this.missingRequired(object, fields);
    const first = errors[0];
    if (first) throw new ApiError(400, first.statusCode, first.message, first.fields);
    if (missing.length)
      throw new ApiError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    const id = this.newId(objectName);
    this.insert(this.table(objectName), { Id: id, ...fields });
    return { status: 201, payload: { id, success: true, errors: [] } };
  }

  /** `SELECT a, b FROM Object [WHERE Field = 'value'] [LIMIT n]` — enough for tests. */
  private query(soql: string): SObject {
    const match =
      /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(\w+)\s*=\s*'((?:[^'\\]|\\.)*)')?(?:\s+LIMIT\s+(\d+))?\s*$/i.exec(
        soql,
      );
    if (!match)
      throw new ApiError(400, 'MALFORMED_QUERY', `unexpected token: ${soql.slice(0, 40)}`);
    const [, fieldList, objectName, whereField, whereValue, limit] = match as unknown as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
      string | undefined,
    ];
    const object = this.typed(objectName);
    const fields = fieldList.split(',').map((f) => f.trim());
    for (const field of [...fields, ...(whereField ? [whereField] : [])]) {
      if (!STANDARD_FIELDS.has(field) && !object.fields.has(field))
        throw new ApiError(
          400,
          'INVALID_FIELD',
          `No such column '${field}' on entity '${objectName}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`,
        );
    }
    let rows = this.records(objectName);
    if (whereField)
      rows = rows.filter((r) => String(r[whereField]) === whereValue?.replace(/\\(.)/g, '$1'));
    if (limit) rows = rows.slice(0, Number(limit));
    return {
      totalSize: rows.length,
      done: true,
      records: rows.map((row) => ({
        attributes: {
          type: objectName,
          url: `/services/data/v62.0/sobjects/${objectName}/${String(row.Id)}`,
        },
        ...Object.fromEntries(fields.map((f) => [f, row[f] ?? null])),
      })),
    };
  }

  /** Unknown fields fail the whole request, as Salesforce's JSON deserializer does. */
  private checkShape(object: ObjectDefinition, record: SObject): SObject {
    const fields: SObject = {};
    for (const [name, value] of Object.entries(record)) {
      if (name === 'attributes') continue;
      const field = this.hiddenFields.has(name) ? undefined : object.fields.get(name);
      if (!field && !STANDARD_FIELDS.has(name))
        throw new ApiError(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on sobject of type ${object.name}`,
        );
      if (field?.type === 'DateTime' && value !== null && Number.isNaN(Date.parse(String(value))))
        throw new ApiError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of datetime from VALUE_STRING value ${String(value)} or request may be missing a required field`,
        );
      fields[name] = value;
    }
    return fields;
  }

  private validate(object: ObjectDefinition, fields: SObject): RecordError[] {
    const errors: RecordError[] = [];
    const readOnly = Object.keys(fields).filter((name) => this.readOnlyFields.has(name));
    if (readOnly.length)
      errors.push({
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: readOnly,
      });
    for (const [name, value] of Object.entries(fields)) {
      const field = object.fields.get(name);
      if (!field || value === null || value === undefined) continue;
      const error = fieldError(field, value);
      if (error) errors.push(error);
    }
    return errors;
  }

  private missingRequired(object: ObjectDefinition, fields: SObject): string[] {
    return [...object.fields.values()]
      .filter(
        (f) =>
          f.required &&
          (fields[f.name] === undefined || fields[f.name] === null || fields[f.name] === ''),
      )
      .map((f) => f.name);
  }

  /**
   * A table's records by the value of one external id field, as Salesforce's index on it: an
   * upsert must not scan the table (a load run leaves ~50,000 audit records, and a scan for each
   * of 200 records a call took the double's process most of a core, away from the relay).
   */
  private byExternalId(table: Map<string, SObject>, field: string): Map<string, SObject> {
    let indexes = this.externalIdIndexes.get(table);
    if (!indexes) this.externalIdIndexes.set(table, (indexes = new Map()));
    let index = indexes.get(field);
    if (!index) {
      index = new Map();
      for (const record of table.values()) indexRecord(index, field, record);
      indexes.set(field, index);
    }
    return index;
  }

  /** Adds a new record to its table and to the table's external id indexes. */
  private insert(table: Map<string, SObject>, record: SObject & { Id: string }): void {
    table.set(record.Id, record);
    this.reindex(table, record);
  }

  /** Puts a new or changed record in its table's external id indexes. */
  private reindex(table: Map<string, SObject>, record: SObject): void {
    for (const [field, index] of this.externalIdIndexes.get(table) ?? [])
      indexRecord(index, field, record);
  }

  private table(objectName: string): Map<string, SObject> {
    let table = this.data.get(objectName);
    if (!table) {
      table = new Map();
      this.data.set(objectName, table);
    }
    return table;
  }

  private newId(objectName: string): string {
    if (!KEY_PREFIXES.has(objectName))
      KEY_PREFIXES.set(objectName, `a0${String.fromCharCode(65 + KEY_PREFIXES.size)}`);
    this.counter += 1;
    return `${KEY_PREFIXES.get(objectName)}5g0000${String(this.counter).padStart(6, '0')}AAA`;
  }
}

function fieldError(field: FieldDefinition, value: unknown): RecordError | undefined {
  const fail = (statusCode: string, message: string): RecordError => ({
    statusCode,
    message: `${field.label}: ${message}`,
    fields: [field.name],
  });
  switch (field.type) {
    case 'Text':
    case 'TextArea':
    case 'LongTextArea':
    case 'Html': {
      const text = String(value);
      const max = field.length ?? 255;
      return Array.from(text).length > max
        ? fail('STRING_TOO_LONG', `data value too large: ${text.slice(0, 40)} (max length=${max})`)
        : undefined;
    }
    case 'Picklist':
      return field.picklist?.restricted && !field.picklist.values.includes(String(value))
        ? fail(
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `bad value for restricted picklist field: ${String(value)}`,
          )
        : undefined;
    case 'Number': {
      const number = typeof value === 'number' ? value : Number.NaN;
      const digits = (field.precision ?? 18) - (field.scale ?? 0);
      if (Number.isNaN(number))
        return fail(
          'INVALID_TYPE_ON_FIELD_IN_RECORD',
          `value not of required type: ${String(value)}`,
        );
      return Math.abs(Math.trunc(number)) >= 10 ** digits
        ? fail(
            'NUMBER_OUTSIDE_VALID_RANGE',
            `value outside of valid range on numeric field: ${number}`,
          )
        : undefined;
    }
    case 'Lookup':
      return field.referenceTo === 'User' && !USER_ID.test(String(value))
        ? fail('FIELD_INTEGRITY_EXCEPTION', `id value of incorrect type: ${String(value)}`)
        : undefined;
    default:
      return undefined;
  }
}

function callKind(method: string, pathname: string): CallKind {
  if (pathname === '/services/oauth2/token' && method === 'POST') return 'token';
  if (/\/composite\/sobjects\/\w+\/\w+$/.test(pathname) && method === 'PATCH') return 'upsert';
  if (/\/sobjects\/\w+\/?$/.test(pathname) && method === 'POST') return 'create';
  if (/\/query\/?$/.test(pathname)) return 'query';
  if (/\/VersionData$/.test(pathname)) return 'file';
  return 'other';
}

function collectionBody(body: unknown): { allOrNone: boolean; records: SObject[] } {
  const parsed = body as { allOrNone?: unknown; records?: unknown } | null;
  if (!parsed || !Array.isArray(parsed.records))
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'records is required');
  for (const record of parsed.records as SObject[]) {
    const attributes = record.attributes as { type?: unknown } | undefined;
    if (!attributes?.type)
      throw new ApiError(
        400,
        'INVALID_INPUT',
        'When using the sObject Collections API, each record must have a type attribute',
      );
  }
  return { allOrNone: parsed.allOrNone === true, records: parsed.records as SObject[] };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'Unexpected character in request body');
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
