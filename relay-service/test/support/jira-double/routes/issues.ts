import type { JiraDouble } from '../jira-double';
import type { Issue, JiraModel } from '../model';
import { commentJson, issueJson, transitionsJson } from '../representations';
import { jiraErrors, type DoubleReply, type DoubleRequest, type DoubleRouter } from '../router';

type Fields = Record<string, unknown>;

function notFound(): DoubleReply {
  return jiraErrors(404, ['Issue does not exist or you do not have permission to see it.']);
}

/** On Cloud, rich text must be an ADF document; on Server/DC, a wiki string. */
function richTextProblem(model: JiraModel, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (model.deployment === 'server')
    return typeof value === 'string' ? undefined : 'Operation value must be a string';
  const doc = value as { type?: unknown; version?: unknown; content?: unknown };
  return doc && doc.type === 'doc' && doc.version === 1 && Array.isArray(doc.content)
    ? undefined
    : 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
}

/** Checks fields against the create metadata like Jira does, answering Jira's 400 shape. */
function checkFields(
  model: JiraModel,
  fields: Fields,
  creating: boolean,
): DoubleReply | Issue | undefined {
  const errors: Record<string, string> = {};
  const ref = (v: unknown) => (v ?? {}) as { key?: string; id?: string; name?: string };
  if (creating) {
    const project = model.project(ref(fields.project).key ?? ref(fields.project).id ?? '');
    if (!project) errors.project = 'Specify a valid project ID or key';
    const issueType = project?.issueTypes.find(
      (t) => t.id === ref(fields.issuetype).id || t.name === ref(fields.issuetype).name,
    );
    if (project && !issueType) errors.issuetype = 'Specify a valid issue type';
    if (project && issueType) {
      for (const field of issueType.fields) {
        if (field.required && (fields[field.fieldId] === undefined || fields[field.fieldId] === ''))
          errors[field.fieldId] = `You must specify a ${field.name.toLowerCase()} of the issue.`;
      }
      for (const name of Object.keys(fields)) {
        if (name === 'project' || name === 'issuetype') continue;
        const meta = issueType.fields.find((f) => f.fieldId === name);
        if (!meta)
          errors[name] =
            `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
        else if (meta.allowedValues && fields[name] !== undefined) {
          // Multi-value fields (components, versions, multi-selects) send an array of refs.
          const given = fields[name];
          const refs = (Array.isArray(given) ? given : [given]) as Record<string, unknown>[];
          const ok = refs.every((v) =>
            meta.allowedValues!.some(
              (a) =>
                (v.id !== undefined && a.id === v.id) ||
                (v.name !== undefined && a.name === v.name) ||
                (v.value !== undefined && a.value === v.value),
            ),
          );
          if (!ok) errors[name] = `Specify a valid value for ${meta.name.toLowerCase()}`;
        }
      }
    }
  }
  const richText = richTextProblem(model, fields.description);
  if (richText) errors.description = richText;
  if (typeof fields.summary === 'string' && fields.summary.length > 255)
    errors.summary = 'Summary must be less than 255 characters.';
  return Object.keys(errors).length ? jiraErrors(400, [], errors) : undefined;
}

/**
 * Issues, comments, remote links (globalId upsert) and transitions, on `/rest/api/3` (ADF) or
 * `/rest/api/2` (wiki) depending on the double's deployment.
 */
export function issueRoutes(router: DoubleRouter, double: JiraDouble): void {
  const { model } = double;
  const api = model.api;
  const find = (request: DoubleRequest) => model.issue(request.params.issueIdOrKey ?? '');

  router.post(`${api}/issue`, (request) => {
    const fields = ((request.body ?? {}) as { fields?: Fields }).fields ?? {};
    const problem = checkFields(model, fields, true);
    if (problem) return problem as DoubleReply;
    const ref = (v: unknown) => (v ?? {}) as { key?: string; id?: string; name?: string };
    const project = model.project(ref(fields.project).key ?? ref(fields.project).id ?? '')!;
    const issueType = project.issueTypes.find(
      (t) => t.id === ref(fields.issuetype).id || t.name === ref(fields.issuetype).name,
    )!;
    const rest = { ...fields };
    delete rest.project;
    delete rest.issuetype;
    const issue = model.createIssue({
      project,
      issueType,
      fields: rest,
      reporter: request.principal!.user,
    });
    return {
      status: 201,
      body: { id: issue.id, key: issue.key, self: `${model.siteUrl}${api}/issue/${issue.id}` },
    };
  });

  router.get(`${api}/issue/{issueIdOrKey}`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    return {
      status: 200,
      body: issueJson(model, issue, {
        fields: request.query.get('fields')?.split(','),
        expand: request.query.get('expand')?.split(','),
      }),
    };
  });

  router.put(`${api}/issue/{issueIdOrKey}`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const fields = ((request.body ?? {}) as { fields?: Fields }).fields ?? {};
    const problem = checkFields(model, fields, false);
    if (problem) return problem as DoubleReply;
    Object.assign(issue.fields, fields);
    issue.updated = model.timestamp();
    return { status: 204 };
  });

  router.get(`${api}/issue/{issueIdOrKey}/comment`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const startAt = Number(request.query.get('startAt') ?? 0);
    const maxResults = Number(request.query.get('maxResults') ?? 50);
    const ordered =
      request.query.get('orderBy') === '-created' ? [...issue.comments].reverse() : issue.comments;
    return {
      status: 200,
      body: {
        startAt,
        maxResults,
        total: issue.comments.length,
        comments: ordered
          .slice(startAt, startAt + maxResults)
          .map((c) => commentJson(model, issue, c)),
      },
    };
  });

  router.post(`${api}/issue/{issueIdOrKey}/comment`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const body = (request.body as { body?: unknown } | undefined)?.body;
    const problem =
      richTextProblem(model, body) ??
      (body === undefined || body === '' ? 'Comment body can not be empty!' : undefined);
    if (problem) return jiraErrors(400, [], { comment: problem });
    if (typeof body === 'string' && body.length > 32767)
      return jiraErrors(400, [], {
        comment: 'The entered text is too long. It exceeds the allowed limit of 32,767 characters.',
      });
    const comment = model.addComment(issue, body, request.principal!.user);
    return { status: 201, body: commentJson(model, issue, comment) };
  });

  router.get(`${api}/issue/{issueIdOrKey}/remotelink`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const globalId = request.query.get('globalId');
    const links = issue.remoteLinks
      .filter((l) => !globalId || l.globalId === globalId)
      .map((l) => ({ ...l, self: `${model.siteUrl}${api}/issue/${issue.key}/remotelink/${l.id}` }));
    return { status: 200, body: links };
  });

  router.post(`${api}/issue/{issueIdOrKey}/remotelink`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const body = (request.body ?? {}) as {
      globalId?: string;
      object?: Record<string, unknown>;
      application?: Record<string, unknown>;
      relationship?: string;
    };
    if (!body.object?.url || !body.object.title)
      return jiraErrors(400, [], { title: 'Title is required.', url: 'URL is required.' });
    const { link, created } = model.upsertRemoteLink(issue, {
      globalId: body.globalId,
      object: body.object,
      application: body.application,
      relationship: body.relationship,
    });
    // Cloud answers 201 for a new link and 200 when a globalId matched an existing one;
    // Data Center answers 200 for both.
    return {
      status: created && model.deployment === 'cloud' ? 201 : 200,
      body: {
        id: link.id,
        self: `${model.siteUrl}${api}/issue/${issue.key}/remotelink/${link.id}`,
      },
    };
  });

  // Like Jira: removes only the link with exactly this globalId; without one it answers 400,
  // and 404 both for a missing (or hidden) issue and for a globalId no link of the issue has.
  router.delete(`${api}/issue/{issueIdOrKey}/remotelink`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const globalId = request.query.get('globalId');
    if (!globalId) return jiraErrors(400, ['The global id of the remote issue link is required.']);
    if (!model.deleteRemoteLink(issue, globalId))
      return jiraErrors(404, ['No remote issue link with the given global id exists.']);
    return { status: 204 };
  });

  router.get(`${api}/issue/{issueIdOrKey}/transitions`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const withFields = request.query.get('expand')?.split(',').includes('transitions.fields');
    return {
      status: 200,
      body: { expand: 'transitions', transitions: transitionsJson(model, issue, withFields) },
    };
  });

  router.post(`${api}/issue/{issueIdOrKey}/transitions`, (request) => {
    const issue = find(request);
    if (!issue) return notFound();
    const id = (request.body as { transition?: { id?: string } } | undefined)?.transition?.id;
    // Like Jira: only a transition offered in the issue's current status can run.
    const transition = model.transitionsOf(issue).find((t) => t.id === id);
    if (!transition)
      return jiraErrors(400, ["Transition id '" + String(id) + "' is not valid for this issue."]);
    // Like Jira: a required screen field left out fails the whole transition, naming the field.
    const given = (request.body as { fields?: Fields } | undefined)?.fields ?? {};
    const missing = (model.transitionScreens.get(transition.id) ?? []).filter(
      (field) => field.required && given[field.fieldId] === undefined,
    );
    if (missing.length)
      return jiraErrors(
        400,
        [],
        Object.fromEntries(missing.map((f) => [f.fieldId, `${f.name} is required.`])),
      );
    issue.status = transition.to;
    issue.updated = model.timestamp();
    return { status: 204 };
  });
}
