import { randomBytes } from 'node:crypto';
import { label } from '../org/labels';
import { RelayException, relayExceptionOf } from './errors';
import * as models from './relay-models';
import { sign } from './relay-signature';

/**
 * RelayClient and RelayApi of the package: one method per relay endpoint the Apex services
 * call, each building its exact path and query once, signed as RelayClient signs it (org,
 * acting user, timestamp, nonce, body hash) and read into RelayModels' shapes. The relay's
 * URL stands for the Jira_Relay Named Credential.
 */
export interface RelayCaller {
  relayUrl: string;
  orgId: string;
  /** The acting user (18 characters). */
  userId: string;
  /** The tenant secret from the protected custom setting (base64), once registered. */
  secret(): string | undefined;
  timeoutMs(): number;
}

interface RelayRequest {
  method: string;
  pathAndQuery: string;
  body?: unknown;
  headers?: Record<string, string>;
  signed?: boolean;
}

/**
 * RelayRequest.encode: `EncodingUtil.urlEncode(value, 'UTF-8')` with `+` as `%20`, which
 * leaves only letters, digits and `.-*_` as they are.
 */
export function encode(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return encodeURIComponent(value).replace(
    /[!'()~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const encodeEach = (values: string[]) => values.map(encode).join(',');

export class RelayApi {
  constructor(private readonly caller: RelayCaller) {}

  async send(request: RelayRequest): Promise<{ status: number; json: models.Json }> {
    const body = request.body === undefined ? null : JSON.stringify(request.body);
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      ...(body !== null ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      ...request.headers,
    };
    if (request.signed !== false) {
      const secret = this.caller.secret();
      if (!secret)
        throw new RelayException('RELAY_NOT_REGISTERED', 0, label('Jira_Error_Not_Registered'));
      const parts = {
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce: randomBytes(16).toString('hex'),
        method: request.method,
        pathAndQuery: request.pathAndQuery,
        orgId: this.caller.orgId,
        userId: this.caller.userId,
        body,
      };
      Object.assign(headers, {
        'X-Relay-Org': parts.orgId,
        'X-Relay-User': parts.userId,
        'X-Relay-Timestamp': parts.timestamp,
        'X-Relay-Nonce': parts.nonce,
        'X-Relay-Signature': sign(secret, parts),
      });
    }
    let response: Response;
    try {
      response = await fetch(`${this.caller.relayUrl}${request.pathAndQuery}`, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(this.caller.timeoutMs()),
      });
    } catch (unreachable) {
      const failure = new RelayException(
        'RELAY_UNAVAILABLE',
        0,
        label('Jira_Error_Relay_Unreachable'),
      );
      failure.cause = unreachable;
      throw failure;
    }
    const text = await response.text();
    const requestId = response.headers.get('x-request-id');
    if (response.status < 200 || response.status > 299) {
      throw relayExceptionOf(response.status, text, requestId, (status) =>
        label('Jira_Error_Relay_Status', status),
      );
    }
    let json: models.Json;
    try {
      json = models.asMap(text ? JSON.parse(text) : {});
    } catch {
      throw this.badResponse(response.status);
    }
    return { status: response.status, json };
  }

  async registerTenant(
    code: string,
    request: { orgId: string; name: string; namespace: string },
  ): Promise<string> {
    const { status, json } = await this.send({
      method: 'POST',
      pathAndQuery: '/v1/tenants/register',
      body: request,
      headers: { 'X-Relay-Registration': code },
      signed: false,
    });
    return this.requireText(models.text(json.secret), status);
  }

  /** GET /v1/connections, for its `oauthRedirectUrl` (as RelayApi.oauthRedirectUrl). */
  async oauthRedirectUrl(): Promise<string> {
    const { status, json } = await this.send({ method: 'GET', pathAndQuery: '/v1/connections' });
    return this.requireText(models.text(json.oauthRedirectUrl), status);
  }

  async listConnections(): Promise<models.Connection[]> {
    const { json } = await this.send({ method: 'GET', pathAndQuery: '/v1/connections' });
    return models.asList(json.connections).map(models.connection);
  }

  async saveConnection(name: string, body: unknown): Promise<models.Connection> {
    const { json } = await this.send({ method: 'PUT', pathAndQuery: connectionPath(name), body });
    return models.connectionAnswer(json);
  }

  async updateConnectionSettings(
    name: string,
    allowCommentsWithoutTemplate: boolean | null,
    identity: string | null,
  ): Promise<models.Connection> {
    const body: Record<string, unknown> = {};
    if (allowCommentsWithoutTemplate !== null)
      body.allowCommentsWithoutTemplate = allowCommentsWithoutTemplate;
    if (identity !== null) body.identity = identity;
    const { json } = await this.send({ method: 'PATCH', pathAndQuery: connectionPath(name), body });
    return models.connectionAnswer(json);
  }

  /** GET /v1/connections/{name}/me: the calling user's own Jira account. */
  async getMyJiraAccount(name: string): Promise<models.MyJira> {
    const { status, json } = await this.send({
      method: 'GET',
      pathAndQuery: `${connectionPath(name)}/me`,
    });
    return this.requireMyJira(json, status);
  }

  /** DELETE /v1/connections/{name}/me. */
  async disconnectMyJiraAccount(name: string): Promise<void> {
    await this.send({ method: 'DELETE', pathAndQuery: `${connectionPath(name)}/me` });
  }

  /** POST /v1/connections/{name}/me/oauth/start. */
  async startMyJiraOAuth(
    name: string,
    returnUrl: string,
  ): Promise<{ authorizeUrl: string; expiresAt: string | null }> {
    const { status, json } = await this.send({
      method: 'POST',
      pathAndQuery: `${connectionPath(name)}/me/oauth/start`,
      body: { returnUrl },
    });
    return {
      authorizeUrl: this.requireText(models.text(json.authorizeUrl), status),
      expiresAt: models.text(json.expiresAt),
    };
  }

  /** PUT /v1/connections/{name}/me/token. */
  async putMyJiraToken(
    name: string,
    token: string,
    expiresAt: string | null,
  ): Promise<models.MyJira> {
    const body: Record<string, unknown> = { token };
    if (expiresAt !== null) body.expiresAt = expiresAt;
    const { status, json } = await this.send({
      method: 'PUT',
      pathAndQuery: `${connectionPath(name)}/me/token`,
      body,
    });
    return this.requireMyJira(json, status);
  }

  /** GET /v1/user-grants (admin). */
  async countUserGrants(): Promise<models.UserGrantCount[]> {
    const { json } = await this.send({ method: 'GET', pathAndQuery: '/v1/user-grants' });
    return models.userGrantCounts(json);
  }

  /** DELETE /v1/user-grants/{userId} (admin). */
  async revokeUserGrants(userId: string): Promise<string[]> {
    const { status, json } = await this.send({
      method: 'DELETE',
      pathAndQuery: `/v1/user-grants/${encode(userId)}`,
    });
    if (!Array.isArray(json.revokedConnections)) throw this.badResponse(status);
    return json.revokedConnections.map((name) => models.text(name) ?? '');
  }

  async testConnection(name: string): Promise<models.Connection> {
    const { json } = await this.send({
      method: 'POST',
      pathAndQuery: `${connectionPath(name)}/test`,
    });
    return models.connectionAnswer(json);
  }

  async deleteConnection(name: string): Promise<void> {
    await this.send({ method: 'DELETE', pathAndQuery: connectionPath(name) });
  }

  async startOAuth(
    name: string,
    returnUrl: string,
  ): Promise<{ authorizeUrl: string; expiresAt: string | null }> {
    const { status, json } = await this.send({
      method: 'POST',
      pathAndQuery: `${connectionPath(name)}/oauth/start`,
      body: { returnUrl },
    });
    return {
      authorizeUrl: this.requireText(models.text(json.authorizeUrl), status),
      expiresAt: models.text(json.expiresAt),
    };
  }

  listProjects(connection: string): Promise<models.Option[]> {
    return this.options(`${jiraPath(connection)}/projects`);
  }

  listIssueTypes(connection: string, projectKey: string): Promise<models.Option[]> {
    return this.options(`${jiraPath(connection)}/projects/${encode(projectKey)}/issuetypes`);
  }

  listFields(
    connection: string,
    projectKey: string,
    issueTypeId: string,
  ): Promise<models.Option[]> {
    return this.options(
      `${jiraPath(connection)}/projects/${encode(projectKey)}/issuetypes/${encode(issueTypeId)}/fields`,
    );
  }

  async searchIssues(
    connection: string,
    query: string,
    projectKeys: string[],
  ): Promise<models.IssueSummary[]> {
    const { json } = await this.send({
      method: 'GET',
      pathAndQuery: `${jiraPath(connection)}/issues/search?query=${encode(query)}&projects=${encodeEach(projectKeys)}`,
    });
    return models.issueSummaries(json);
  }

  async previewTemplate(request: unknown): Promise<models.PreviewResult> {
    const { json } = await this.send({
      method: 'POST',
      pathAndQuery: '/v1/templates/preview',
      body: request,
    });
    return models.previewResult(json);
  }

  async createIssue(request: unknown, idempotencyKey: string): Promise<models.IssueRef> {
    const { status, json } = await this.send({
      method: 'POST',
      pathAndQuery: '/v1/issues',
      body: request,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    return {
      ...this.requireIssue(json, status),
      attachments: models.attachmentResults(json.attachments),
    };
  }

  async issueStatuses(connection: string, issueKeys: string[]): Promise<models.IssueSummary[]> {
    const { json } = await this.send({
      method: 'GET',
      pathAndQuery: `/v1/issues?connection=${encode(connection)}&keys=${encodeEach(issueKeys)}`,
    });
    return models.issueSummaries(json);
  }

  async viewIssue(connection: string, issueKey: string): Promise<models.IssueView> {
    const { json } = await this.send({
      method: 'GET',
      pathAndQuery: `${issuePath(issueKey)}?connection=${encode(connection)}`,
    });
    return models.issueView(json);
  }

  async linkIssue(issueKey: string, request: unknown): Promise<models.IssueRef> {
    const { status, json } = await this.send({
      method: 'POST',
      pathAndQuery: `${issuePath(issueKey)}/links`,
      body: request,
    });
    return this.requireIssue(json, status);
  }

  /** RelayApi.unlinkIssue: whether Jira still had the record's remote link. */
  async unlinkIssue(issueKey: string, recordId: string, connection: string): Promise<boolean> {
    const { status, json } = await this.send({
      method: 'DELETE',
      pathAndQuery: `${issuePath(issueKey)}/links/${encode(recordId)}?connection=${encode(connection)}`,
    });
    if (typeof json.remoteLinkRemoved !== 'boolean') throw this.badResponse(status);
    return json.remoteLinkRemoved;
  }

  async addComment(issueKey: string, request: unknown): Promise<models.CommentResult> {
    const { json } = await this.send({
      method: 'POST',
      pathAndQuery: `${issuePath(issueKey)}/comments`,
      body: request,
    });
    return {
      id: models.text(models.asMap(json.comment).id),
      attachments: models.attachmentResults(json.attachments),
    };
  }

  async listTransitions(
    issueKey: string,
    connection: string,
    templateId: string,
    allowed: string[],
  ): Promise<models.Transition[]> {
    let pathAndQuery = `${issuePath(issueKey)}/transitions?connection=${encode(connection)}&template=${encode(templateId)}`;
    // Beyond the relay's limits the list is left out and the caller's own filter narrows it.
    if (allowed.length <= 100 && allowed.every((status) => status.length <= 255)) {
      pathAndQuery += allowed.map((status) => `&allowed=${encode(status)}`).join('');
    }
    const { json } = await this.send({ method: 'GET', pathAndQuery });
    return models.transitions(json.transitions);
  }

  async transitionIssue(issueKey: string, request: unknown): Promise<models.IssueStatus | null> {
    const { json } = await this.send({
      method: 'POST',
      pathAndQuery: `${issuePath(issueKey)}/transitions`,
      body: request,
    });
    return models.status(json.status);
  }

  private async options(pathAndQuery: string): Promise<models.Option[]> {
    const { json } = await this.send({ method: 'GET', pathAndQuery });
    return models.options(json);
  }

  private requireIssue(json: models.Json, status: number): models.IssueRef {
    const issue = models.issueRef(json.issue);
    if (!issue || !issue.key) throw this.badResponse(status);
    return issue;
  }

  private requireMyJira(json: models.Json, status: number): models.MyJira {
    const mine = models.myJira(json);
    this.requireText(mine.connectMethod, status);
    return mine;
  }

  private requireText(value: string | null, status: number): string {
    if (!value || !value.trim()) throw this.badResponse(status);
    return value;
  }

  private badResponse(status: number): RelayException {
    return new RelayException('RELAY_BAD_RESPONSE', status, label('Jira_Error_Bad_Response'));
  }
}

const connectionPath = (name: string) => `/v1/connections/${encode(name)}`;
const jiraPath = (connection: string) => `/v1/jira/${encode(connection)}`;
const issuePath = (issueKey: string) => `/v1/issues/${encode(issueKey)}`;
