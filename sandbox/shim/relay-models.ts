/**
 * What RelayModels.cls reads from relay answers and hands to the components, with its
 * tolerant parsing: a missing or oddly typed value becomes null or empty, never an error.
 */
export type Json = Record<string, unknown>;

export interface IssueStatus {
  name: string | null;
  category: string | null;
}

export interface IssueRef {
  key: string | null;
  id: string | null;
  url: string | null;
  summary: string | null;
  status: IssueStatus | null;
  linkId: string | null;
  attachments?: AttachmentResult[];
}

/** RelayModels.AttachmentResult: what became of one file sent with a create or comment. */
export interface AttachmentResult {
  contentVersionId: string | null;
  fileName: string | null;
  size: number | null;
  attached: boolean;
  jiraAttachmentId: string | null;
  code: string | null;
  message: string | null;
}

/** RelayModels.CommentResult */
export interface CommentResult {
  id: string | null;
  attachments: AttachmentResult[];
}

/** RelayModels.attachmentResults */
export function attachmentResults(raw: unknown): AttachmentResult[] {
  return (Array.isArray(raw) ? raw : []).map((item: unknown) => {
    const values = asMap(item);
    return {
      contentVersionId: text(values.contentVersionId),
      fileName: text(values.fileName),
      size: typeof values.size === 'number' ? values.size : null,
      attached: values.attached === true,
      jiraAttachmentId: text(values.jiraAttachmentId),
      code: text(values.code),
      message: text(values.message),
    };
  });
}

export interface IssueSummary {
  linkId: string | null;
  key: string | null;
  url: string | null;
  summary: string | null;
  status: IssueStatus | null;
  priority: string | null;
  assignee: string | null;
  updated: string | null;
  connection: string | null;
  templateId: string | null;
  missing: boolean;
}

export interface Transition {
  id: string | null;
  name: string | null;
  toStatus: string | null;
}

export interface IssueView {
  key: string | null;
  url: string | null;
  summary: string | null;
  status: IssueStatus | null;
  issueType: string | null;
  priority: string | null;
  assignee: string | null;
  reporter: string | null;
  created: string | null;
  updated: string | null;
  labels: (string | null)[];
  descriptionHtml: string | null;
  comments: {
    id: string | null;
    author: string | null;
    created: string | null;
    bodyHtml: string | null;
  }[];
  transitions: Transition[];
}

export interface Connection {
  name: string | null;
  deployment: string | null;
  baseUrl: string | null;
  authMethod: string | null;
  status: string | null;
  scopes: (string | null)[];
  accountName: string | null;
  connectedBy: string | null;
  connectedAt: string | null;
  expiresAt: string | null;
  warnings: (string | null)[];
  allowCommentsWithoutTemplate: boolean;
  identity: string | null;
}

/** RelayModels.MyJira: the acting user's own Jira account on a connection (never a token). */
export interface MyJira {
  connection: string | null;
  deployment: string | null;
  identity: string | null;
  connectMethod: string | null;
  connected: boolean;
  status: string | null;
  statusReason: string | null;
  accountName: string | null;
  connectedAt: string | null;
  expiresAt: string | null;
  actsAs: string | null;
}

/** RelayModels.UserGrantCount: one connection's line of GET /v1/user-grants. */
export interface UserGrantCount {
  name: string | null;
  identity: string | null;
  connectedUsers: number;
  needsReauth: number;
}

export interface Option {
  value: string | null;
  label: string | null;
  required: boolean;
}

export interface PreviewResult {
  payloadJson: string | null;
  problems: (string | null)[];
  similarIssues?: SimilarIssues | null;
}

export interface SimilarIssue {
  key: string | null;
  url: string | null;
  summary: string | null;
  status: IssueStatus | null;
  updated: string | null;
  linked: boolean;
}

export interface SimilarIssues {
  state: string | null;
  code: string | null;
  issues: SimilarIssue[];
}

/** A JSON object (not an array, not null). */
export const isMap = (raw: unknown): raw is Json =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw);

export const asMap = (raw: unknown): Json => (isMap(raw) ? raw : {});

export const asList = (raw: unknown): unknown[] => (Array.isArray(raw) ? raw : []);

/** RelayModels.text: strings as they are, objects by display name or name, others as text. */
export function text(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string') return raw;
  if (isMap(raw)) return firstText(raw, ['displayName', 'name', 'value', 'key']);
  return String(raw);
}

function firstText(values: Json, keys: string[]): string | null {
  for (const key of keys) {
    if (values[key] !== null && values[key] !== undefined) return text(values[key]);
  }
  return null;
}

const texts = (raw: unknown) => asList(raw).map(text);

export function status(raw: unknown): IssueStatus | null {
  if (!isMap(raw)) return null;
  return { name: text(raw.name), category: text(raw.category) };
}

export function issueRef(raw: unknown): IssueRef | null {
  if (!isMap(raw)) return null;
  return {
    key: text(raw.key),
    id: text(raw.id),
    url: text(raw.url),
    summary: text(raw.summary),
    status: status(raw.status),
    linkId: null,
  };
}

export function issueSummaries(values: Json): IssueSummary[] {
  return asList(values.issues).map((item) => {
    const entry = asMap(item);
    return {
      linkId: null,
      key: text(entry.key),
      url: text(entry.url),
      summary: text(entry.summary),
      status: status(entry.status),
      priority: text(entry.priority),
      assignee: text(entry.assignee),
      updated: text(entry.updated),
      connection: null,
      templateId: null,
      missing: false,
    };
  });
}

export function transitions(raw: unknown): Transition[] {
  return asList(raw).map((item) => {
    const entry = asMap(item);
    return { id: text(entry.id), name: text(entry.name), toStatus: text(entry.toStatus) };
  });
}

export function issueView(values: Json): IssueView {
  return {
    key: text(values.key),
    url: text(values.url),
    summary: text(values.summary),
    status: status(values.status),
    issueType: text(values.issueType),
    priority: text(values.priority),
    assignee: text(values.assignee),
    reporter: text(values.reporter),
    created: text(values.created),
    updated: text(values.updated),
    labels: texts(values.labels),
    descriptionHtml: text(values.descriptionHtml),
    comments: asList(values.comments).map((item) => {
      const raw = asMap(item);
      return {
        id: text(raw.id),
        author: text(raw.author),
        created: text(raw.created),
        bodyHtml: text(raw.bodyHtml),
      };
    }),
    transitions: transitions(values.transitions),
  };
}

export function connection(raw: unknown): Connection {
  const values = asMap(raw);
  return {
    name: text(values.name),
    deployment: text(values.deployment),
    baseUrl: text(values.baseUrl),
    authMethod: text(values.authMethod),
    status: text(values.status),
    scopes: texts(values.scopes),
    accountName: text(values.account),
    connectedBy: text(values.connectedBy),
    connectedAt: text(values.connectedAt),
    expiresAt: text(values.expiresAt),
    warnings: texts(values.warnings),
    allowCommentsWithoutTemplate: values.allowCommentsWithoutTemplate === true,
    identity: values.identity == null ? 'service' : text(values.identity),
  };
}

/** RelayModels.myJira. */
export function myJira(values: Json): MyJira {
  const grant =
    values.grant && typeof values.grant === 'object' && !Array.isArray(values.grant)
      ? (values.grant as Json)
      : null;
  return {
    connection: text(values.connection),
    deployment: text(values.deployment),
    identity: text(values.identity),
    connectMethod: text(values.connectMethod),
    connected: grant !== null,
    status: grant ? text(grant.status) : null,
    statusReason: grant ? text(grant.statusReason) : null,
    accountName: grant ? text(grant.account) : null,
    connectedAt: grant ? text(grant.connectedAt) : null,
    expiresAt: grant ? text(grant.expiresAt) : null,
    actsAs: text(values.actsAs),
  };
}

const count = (raw: unknown): number => (Number.isInteger(raw) ? (raw as number) : 0);

/** RelayModels.userGrantCounts. */
export function userGrantCounts(values: Json): UserGrantCount[] {
  return asList(values.connections).map((item) => {
    const entry = asMap(item);
    return {
      name: text(entry.name),
      identity: text(entry.identity),
      connectedUsers: count(entry.connectedUsers),
      needsReauth: count(entry.needsReauth),
    };
  });
}

/** A connection from an answer that is the connection itself or wraps it in `connection`. */
export function connectionAnswer(values: Json): Connection {
  const wrapped = values.connection;
  return connection(wrapped && typeof wrapped === 'object' ? wrapped : values);
}

/** Picker entries from the first list in an answer: key/id/fieldId/value and name/label. */
export function options(values: Json): Option[] {
  const list = Object.values(values).find(Array.isArray) as unknown[] | undefined;
  return (list ?? []).map((item) => {
    const entry = asMap(item);
    const value = firstText(entry, ['key', 'id', 'fieldId', 'value']);
    const label = firstText(entry, ['name', 'label']);
    return { value, label: label ?? value, required: entry.required === true };
  });
}

/** The payload as pretty JSON and every problem as a message. */
export function previewResult(values: Json): PreviewResult {
  return {
    payloadJson: 'payload' in values ? JSON.stringify(values.payload, null, 2) : null,
    problems: asList(values.problems).map((problem) => {
      const entry = asMap(problem);
      return text(entry.message) ?? text(entry.detail) ?? text(problem);
    }),
    similarIssues: similarIssues(values.similarIssues),
  };
}

/** RelayModels.similarIssues: the duplicate guard's answer, or null. */
export function similarIssues(raw: unknown): SimilarIssues | null {
  if (!isMap(raw)) return null;
  return {
    state: text(raw.state),
    code: text(raw.code),
    issues: asList(raw.issues).map((item) => {
      const entry = asMap(item);
      return {
        key: text(entry.key),
        url: text(entry.url),
        summary: text(entry.summary),
        status: status(entry.status),
        updated: text(entry.updated),
        linked: entry.linked === true,
      };
    }),
  };
}
