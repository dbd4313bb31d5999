/**
 * The in-memory Jira the double serves: users, projects with issue types and their create
 * fields, issues with comments, remote links and a small workflow. Route modules read and
 * change it; tests seed and inspect it directly.
 */

export type Deployment = 'cloud' | 'server';

export interface JiraUser {
  /** Cloud identity. */
  accountId: string;
  /** Server/DC identity (username) and key. */
  name: string;
  key: string;
  displayName: string;
  emailAddress: string;
  /** Cloud API token (Basic email:token). */
  apiToken?: string;
  /** Server/DC personal access token (Bearer). */
  pat?: string;
  /** Server/DC password (Basic name:password). */
  password?: string;
}

export interface FieldMeta {
  fieldId: string;
  name: string;
  required: boolean;
  schema: { type: string; system?: string; custom?: string; customId?: number; items?: string };
  operations: string[];
  allowedValues?: Record<string, unknown>[];
  hasDefaultValue?: boolean;
  defaultValue?: unknown;
}

export interface IssueType {
  id: string;
  name: string;
  subtask: boolean;
  fields: FieldMeta[];
}

export interface Project {
  id: string;
  key: string;
  name: string;
  issueTypes: IssueType[];
  workflow: Workflow;
}

export interface Status {
  id: string;
  name: string;
  category: { id: number; key: 'new' | 'indeterminate' | 'done'; name: string; colorName: string };
}

export interface Transition {
  id: string;
  /** As in real workflows, a transition's name is a verb, not its target status. */
  name: string;
  to: Status;
  /** The statuses in which Jira offers the transition. */
  from: Status[];
}

/** A project's workflow: where a new issue starts and which transitions lead on from where. */
export interface Workflow {
  initial: Status;
  transitions: Transition[];
}

export interface Comment {
  id: string;
  /** ADF document on Cloud, wiki string on Server/DC. */
  body: unknown;
  author: JiraUser;
  created: string;
  updated: string;
}

export interface RemoteLink {
  id: number;
  globalId?: string;
  application?: Record<string, unknown>;
  relationship?: string;
  object: Record<string, unknown>;
}

export interface Issue {
  id: string;
  key: string;
  projectKey: string;
  issueTypeId: string;
  status: Status;
  fields: Record<string, unknown>;
  comments: Comment[];
  remoteLinks: RemoteLink[];
  created: string;
  updated: string;
  reporter: JiraUser;
}

const status = (id: string, name: string, category: 'new' | 'indeterminate' | 'done'): Status => ({
  id,
  name,
  category: {
    new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' } as const,
    indeterminate: {
      id: 4,
      key: 'indeterminate',
      name: 'In Progress',
      colorName: 'yellow',
    } as const,
    done: { id: 3, key: 'done', name: 'Done', colorName: 'green' } as const,
  }[category],
});

export const STATUSES = {
  todo: status('10000', 'To Do', 'new'),
  progress: status('3', 'In Progress', 'indeterminate'),
  done: status('10001', 'Done', 'done'),
  open: status('1', 'Open', 'new'),
  investigating: status('10100', 'Investigating', 'indeterminate'),
  resolved: status('5', 'Resolved', 'done'),
  closed: status('6', 'Closed', 'done'),
} satisfies Record<string, Status>;

/**
 * SUP's workflow, shaped like Jira Software's: transitions named for what the user does, each
 * offered only in some statuses (nothing starts work on an issue already in progress).
 */
export const SUPPORT_WORKFLOW: Workflow = {
  initial: STATUSES.todo,
  transitions: [
    { id: '11', name: 'Reopen', to: STATUSES.todo, from: [STATUSES.progress, STATUSES.done] },
    { id: '21', name: 'Start work', to: STATUSES.progress, from: [STATUSES.todo] },
    { id: '31', name: 'Resolve', to: STATUSES.done, from: [STATUSES.todo, STATUSES.progress] },
  ],
};

/** OPS's incident workflow, shaped like Jira Service Management's. */
export const INCIDENT_WORKFLOW: Workflow = {
  initial: STATUSES.open,
  transitions: [
    { id: '101', name: 'Investigate', to: STATUSES.investigating, from: [STATUSES.open] },
    {
      id: '111',
      name: 'Resolve this issue',
      to: STATUSES.resolved,
      from: [STATUSES.open, STATUSES.investigating],
    },
    { id: '121', name: 'Close', to: STATUSES.closed, from: [STATUSES.resolved] },
    {
      id: '131',
      name: 'Back to open',
      to: STATUSES.open,
      from: [STATUSES.investigating, STATUSES.resolved],
    },
  ],
};

const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'].map((name, i) => ({
  id: String(i + 1),
  name,
}));

function defaultFields(): FieldMeta[] {
  return [
    {
      fieldId: 'summary',
      name: 'Summary',
      required: true,
      schema: { type: 'string', system: 'summary' },
      operations: ['set'],
    },
    {
      fieldId: 'description',
      name: 'Description',
      required: false,
      schema: { type: 'string', system: 'description' },
      operations: ['set'],
    },
    {
      fieldId: 'priority',
      name: 'Priority',
      required: false,
      schema: { type: 'priority', system: 'priority' },
      operations: ['set'],
      allowedValues: PRIORITIES.map((p) => ({ ...p })),
      hasDefaultValue: true,
      defaultValue: { id: '3', name: 'Medium' },
    },
    {
      fieldId: 'labels',
      name: 'Labels',
      required: false,
      schema: { type: 'array', items: 'string', system: 'labels' },
      operations: ['add', 'set', 'remove'],
    },
    {
      fieldId: 'customfield_10050',
      name: 'Severity',
      required: false,
      schema: {
        type: 'option',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select',
        customId: 10050,
      },
      operations: ['set'],
      allowedValues: ['Sev-1', 'Sev-2', 'Sev-3'].map((value, i) => ({
        id: String(10100 + i),
        value,
      })),
    },
    {
      fieldId: 'assignee',
      name: 'Assignee',
      required: false,
      schema: { type: 'user', system: 'assignee' },
      operations: ['set'],
    },
  ];
}

const CUSTOM = 'com.atlassian.jira.plugin.system.customfieldtypes:';

/**
 * A realistic incident project's create screen: required custom option, components,
 * versions, dates, numbers, a multi-select, user fields and long text — enough field types
 * to exercise value shaping on both deployments, and enough fields to span several pages.
 */
function incidentFields(project: { id: string; key: string; name: string }): FieldMeta[] {
  const option = (values: string[], firstId: number) =>
    values.map((value, i) => ({ id: String(firstId + i), value }));
  return [
    {
      fieldId: 'summary',
      name: 'Summary',
      required: true,
      schema: { type: 'string', system: 'summary' },
      operations: ['set'],
    },
    {
      fieldId: 'issuetype',
      name: 'Issue Type',
      required: true,
      schema: { type: 'issuetype', system: 'issuetype' },
      operations: [],
      allowedValues: [{ id: '10010', name: 'Incident', subtask: false }],
    },
    {
      fieldId: 'project',
      name: 'Project',
      required: true,
      schema: { type: 'project', system: 'project' },
      operations: ['set'],
      allowedValues: [{ id: project.id, key: project.key, name: project.name }],
    },
    {
      fieldId: 'description',
      name: 'Description',
      required: false,
      schema: { type: 'string', system: 'description' },
      operations: ['set'],
    },
    {
      fieldId: 'priority',
      name: 'Priority',
      required: false,
      schema: { type: 'priority', system: 'priority' },
      operations: ['set'],
      allowedValues: PRIORITIES.map((p) => ({ ...p })),
      hasDefaultValue: true,
      defaultValue: { id: '3', name: 'Medium' },
    },
    {
      fieldId: 'customfield_10060',
      name: 'Customer Impact',
      required: true,
      schema: { type: 'option', custom: `${CUSTOM}select`, customId: 10060 },
      operations: ['set'],
      allowedValues: option(['None', 'Minor', 'Major', 'Critical'], 10200),
    },
    {
      fieldId: 'labels',
      name: 'Labels',
      required: false,
      schema: { type: 'array', items: 'string', system: 'labels' },
      operations: ['add', 'set', 'remove'],
    },
    {
      fieldId: 'components',
      name: 'Components',
      required: false,
      schema: { type: 'array', items: 'component', system: 'components' },
      operations: ['add', 'set', 'remove'],
      allowedValues: ['Billing', 'Checkout', 'Mobile App'].map((name, i) => ({
        id: String(10300 + i),
        name,
      })),
    },
    {
      fieldId: 'fixVersions',
      name: 'Fix versions',
      required: false,
      schema: { type: 'array', items: 'version', system: 'fixVersions' },
      operations: ['set', 'add', 'remove'],
      allowedValues: ['2026.11', '2026.12'].map((name, i) => ({
        id: String(10400 + i),
        name,
        archived: false,
        released: false,
      })),
    },
    {
      fieldId: 'duedate',
      name: 'Due date',
      required: false,
      schema: { type: 'date', system: 'duedate' },
      operations: ['set'],
    },
    {
      fieldId: 'customfield_10061',
      name: 'Affected Users',
      required: false,
      schema: { type: 'number', custom: `${CUSTOM}float`, customId: 10061 },
      operations: ['set'],
    },
    {
      fieldId: 'customfield_10062',
      name: 'Environments',
      required: false,
      schema: { type: 'array', items: 'option', custom: `${CUSTOM}multiselect`, customId: 10062 },
      operations: ['add', 'set', 'remove'],
      allowedValues: option(['Production', 'Staging', 'Sandbox'], 10500),
    },
    {
      fieldId: 'customfield_10063',
      name: 'Incident Start',
      required: false,
      schema: { type: 'datetime', custom: `${CUSTOM}datetime`, customId: 10063 },
      operations: ['set'],
    },
    {
      fieldId: 'customfield_10064',
      name: 'Salesforce Case',
      required: false,
      schema: { type: 'string', custom: `${CUSTOM}textfield`, customId: 10064 },
      operations: ['set'],
    },
    {
      fieldId: 'customfield_10065',
      name: 'Root Cause',
      required: false,
      schema: { type: 'string', custom: `${CUSTOM}textarea`, customId: 10065 },
      operations: ['set'],
    },
    {
      fieldId: 'assignee',
      name: 'Assignee',
      required: false,
      schema: { type: 'user', system: 'assignee' },
      operations: ['set'],
    },
  ];
}

export class JiraModel {
  /** Jira's own cap on create metadata and project pages; tests lower it to force paging. */
  pageCap = 50;
  readonly users: JiraUser[] = [];
  readonly projects: Project[] = [];
  readonly issues = new Map<string, Issue>();
  /**
   * Fields on a transition's screen, by transition id. Empty by default (no screens); tests add
   * a required one to see how a missing value is reported.
   */
  readonly transitionScreens = new Map<string, FieldMeta[]>();
  private nextIssueId = 10000;
  private nextCommentId = 20000;
  private nextLinkId = 30000;
  private readonly projectCounters = new Map<string, number>();

  constructor(
    readonly deployment: Deployment,
    /** Where the double is reachable; used for `self` links. */
    public siteUrl: string,
    private readonly now: () => number,
  ) {
    this.users.push({
      accountId: '5b10a2844c20165700ede21g',
      name: 'ada',
      key: 'JIRAUSER10000',
      displayName: 'Ada Admin',
      emailAddress: 'ada@example.com',
      apiToken: 'ATATT-double-api-token-ada',
      pat: 'NjM3-double-pat-ada',
      password: 'double-password-ada',
    });
    const fields = defaultFields();
    this.projects.push({
      id: '10001',
      key: 'SUP',
      name: 'Support',
      issueTypes: [
        { id: '10004', name: 'Bug', subtask: false, fields },
        { id: '10002', name: 'Task', subtask: false, fields },
      ],
      workflow: SUPPORT_WORKFLOW,
    });
    const ops = { id: '10002', key: 'OPS', name: 'Operations' };
    this.projects.push({
      ...ops,
      issueTypes: [{ id: '10010', name: 'Incident', subtask: false, fields: incidentFields(ops) }],
      workflow: INCIDENT_WORKFLOW,
    });
  }

  get api(): '/rest/api/3' | '/rest/api/2' {
    return this.deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  }

  timestamp(): string {
    // Jira's own format: 2024-01-31T12:00:00.000+0000
    return new Date(this.now()).toISOString().replace('Z', '+0000');
  }

  project(idOrKey: string): Project | undefined {
    return this.projects.find((p) => p.key === idOrKey || p.id === idOrKey);
  }

  issue(idOrKey: string): Issue | undefined {
    return this.issues.get(idOrKey) ?? [...this.issues.values()].find((i) => i.id === idOrKey);
  }

  createIssue(input: {
    project: Project;
    issueType: IssueType;
    fields: Record<string, unknown>;
    reporter: JiraUser;
  }): Issue {
    const number = (this.projectCounters.get(input.project.key) ?? 0) + 1;
    this.projectCounters.set(input.project.key, number);
    const now = this.timestamp();
    const issue: Issue = {
      id: String(this.nextIssueId++),
      key: `${input.project.key}-${number}`,
      projectKey: input.project.key,
      issueTypeId: input.issueType.id,
      status: input.project.workflow.initial,
      fields: { ...input.fields },
      comments: [],
      remoteLinks: [],
      created: now,
      updated: now,
      reporter: input.reporter,
    };
    this.issues.set(issue.key, issue);
    return issue;
  }

  /**
   * An issue that was in Jira before the test: `projectKey`'s first issue type, reported by the
   * first user.
   */
  seedIssue(projectKey: string, fields: Record<string, unknown>): Issue {
    const project = this.project(projectKey);
    const [issueType] = project?.issueTypes ?? [];
    const [reporter] = this.users;
    if (!project || !issueType || !reporter)
      throw new Error(`the double has no ${projectKey} project with an issue type`);
    return this.createIssue({ project, issueType, fields, reporter });
  }

  addComment(issue: Issue, body: unknown, author: JiraUser): Comment {
    const now = this.timestamp();
    const comment: Comment = {
      id: String(this.nextCommentId++),
      body,
      author,
      created: now,
      updated: now,
    };
    issue.comments.push(comment);
    issue.updated = now;
    return comment;
  }

  /** Creates a remote link, or updates the one with the same globalId. */
  upsertRemoteLink(
    issue: Issue,
    link: Omit<RemoteLink, 'id'>,
  ): { link: RemoteLink; created: boolean } {
    const existing = link.globalId
      ? issue.remoteLinks.find((l) => l.globalId === link.globalId)
      : undefined;
    if (existing) {
      Object.assign(existing, link);
      return { link: existing, created: false };
    }
    const created: RemoteLink = { id: this.nextLinkId++, ...link };
    issue.remoteLinks.push(created);
    return { link: created, created: true };
  }

  /** Removes the issue's remote link with this globalId; false when it has none. */
  deleteRemoteLink(issue: Issue, globalId: string): boolean {
    const index = issue.remoteLinks.findIndex((l) => l.globalId === globalId);
    if (index < 0) return false;
    issue.remoteLinks.splice(index, 1);
    issue.updated = this.timestamp();
    return true;
  }

  /** The transitions Jira offers for the issue in its current status. */
  transitionsOf(issue: Issue): Transition[] {
    const workflow = this.project(issue.projectKey)?.workflow;
    if (!workflow) throw new Error(`the double has no project ${issue.projectKey}`);
    return workflow.transitions.filter((t) => t.from.some((s) => s.id === issue.status.id));
  }

  userFor(issue: Issue): JiraUser {
    return issue.reporter;
  }
}
