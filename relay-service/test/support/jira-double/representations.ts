import { type Comment, type Issue, type JiraModel, type JiraUser, type Status } from './model';

/** How users, statuses, issues and comments look on the wire, per deployment. */
export function userJson(model: JiraModel, user: JiraUser): Record<string, unknown> {
  if (model.deployment === 'cloud') {
    return {
      self: `${model.siteUrl}/rest/api/3/user?accountId=${user.accountId}`,
      accountId: user.accountId,
      accountType: 'atlassian',
      emailAddress: user.emailAddress,
      displayName: user.displayName,
      active: true,
      timeZone: 'Europe/London',
    };
  }
  return {
    self: `${model.siteUrl}/rest/api/2/user?username=${user.name}`,
    key: user.key,
    name: user.name,
    emailAddress: user.emailAddress,
    displayName: user.displayName,
    active: true,
    timeZone: 'Europe/London',
  };
}

export function statusJson(model: JiraModel, status: Status): Record<string, unknown> {
  return {
    self: `${model.siteUrl}${model.api}/status/${status.id}`,
    id: status.id,
    name: status.name,
    description: '',
    iconUrl: `${model.siteUrl}/images/icons/statuses/generic.png`,
    statusCategory: {
      self: `${model.siteUrl}${model.api}/statuscategory/${status.category.id}`,
      id: status.category.id,
      key: status.category.key,
      name: status.category.name,
      colorName: status.category.colorName,
    },
  };
}

export function commentJson(
  model: JiraModel,
  issue: Issue,
  comment: Comment,
): Record<string, unknown> {
  return {
    self: `${model.siteUrl}${model.api}/issue/${issue.id}/comment/${comment.id}`,
    id: comment.id,
    author: userJson(model, comment.author),
    updateAuthor: userJson(model, comment.author),
    body: comment.body,
    created: comment.created,
    updated: comment.updated,
  };
}

/** The `fields` object of an issue as Jira returns it. */
export function issueFieldsJson(model: JiraModel, issue: Issue): Record<string, unknown> {
  const project = model.project(issue.projectKey);
  const issueType = project?.issueTypes.find((t) => t.id === issue.issueTypeId);
  return {
    ...issue.fields,
    project: project && {
      self: `${model.siteUrl}${model.api}/project/${project.id}`,
      id: project.id,
      key: project.key,
      name: project.name,
    },
    issuetype: issueType && {
      self: `${model.siteUrl}${model.api}/issuetype/${issueType.id}`,
      id: issueType.id,
      name: issueType.name,
      subtask: issueType.subtask,
    },
    status: statusJson(model, issue.status),
    reporter: userJson(model, issue.reporter),
    assignee: issue.fields.assignee ?? null,
    priority: issue.fields.priority ?? { id: '3', name: 'Medium' },
    labels: issue.fields.labels ?? [],
    created: issue.created,
    updated: issue.updated,
    comment: {
      comments: issue.comments.map((c) => commentJson(model, issue, c)),
      maxResults: issue.comments.length,
      total: issue.comments.length,
      startAt: 0,
    },
  };
}

export function issueJson(
  model: JiraModel,
  issue: Issue,
  options: { fields?: string[]; expand?: string[] } = {},
): Record<string, unknown> {
  let fields = issueFieldsJson(model, issue);
  const wanted = options.fields?.filter((f) => f && f !== '*all' && f !== '*navigable');
  if (wanted && wanted.length) {
    fields = Object.fromEntries(Object.entries(fields).filter(([name]) => wanted.includes(name)));
  }
  const result: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${model.siteUrl}${model.api}/issue/${issue.id}`,
    key: issue.key,
    fields,
  };
  if (options.expand?.some((e) => e === 'transitions' || e === 'transitions.fields'))
    result.transitions = transitionsJson(
      model,
      issue,
      options.expand.includes('transitions.fields'),
    );
  if (options.expand?.includes('renderedFields')) {
    result.renderedFields = {
      description: renderText(issue.fields.description),
      comment: {
        comments: issue.comments.map((c) => ({
          ...commentJson(model, issue, c),
          body: renderText(c.body),
        })),
      },
    };
  }
  return result;
}

/**
 * The transitions Jira offers for the issue in its current status (its project's workflow),
 * with their screen fields when `expand=transitions.fields` asked for them.
 */
export function transitionsJson(
  model: JiraModel,
  issue: Issue,
  withFields = false,
): Record<string, unknown>[] {
  return model.transitionsOf(issue).map((t) => ({
    id: t.id,
    name: t.name,
    to: statusJson(model, t.to),
    hasScreen: model.transitionScreens.has(t.id),
    ...(withFields ? { fields: screenFieldsJson(model, t.id) } : {}),
    isGlobal: false,
    isInitial: false,
    isAvailable: true,
    isConditional: false,
    looped: false,
  }));
}

/**
 * Jira's rendered HTML of a field, simplified: text content escaped into a paragraph. Jira
 * does not sanitise what it renders (the relay must), so no cleaning happens here.
 */
export function renderText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return `<p>${value}</p>`;
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const { text, content } = node as { text?: unknown; content?: unknown };
    if (typeof text === 'string') texts.push(text);
    if (Array.isArray(content)) content.forEach(walk);
  };
  walk(value);
  return `<p>${texts.join('')}</p>`;
}

/** A transition screen's fields as Jira lists them (Cloud FieldMetadata / DC FieldMetaBean). */
function screenFieldsJson(model: JiraModel, transitionId: string): Record<string, unknown> {
  return Object.fromEntries(
    (model.transitionScreens.get(transitionId) ?? []).map((field) => [
      field.fieldId,
      {
        ...(model.deployment === 'cloud' ? { key: field.fieldId } : { fieldId: field.fieldId }),
        name: field.name,
        required: field.required,
        schema: field.schema,
        operations: field.operations,
        ...(field.allowedValues ? { allowedValues: field.allowedValues } : {}),
        hasDefaultValue: field.hasDefaultValue ?? false,
      },
    ]),
  );
}
