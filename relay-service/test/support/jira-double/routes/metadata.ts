import type { JiraDouble } from '../jira-double';
import type { FieldMeta, Status } from '../model';
import { statusJson } from '../representations';
import { jiraErrors, type DoubleRouter } from '../router';

/** Create metadata per project and issue type, and project search; paged like Jira. */
export function metadataRoutes(router: DoubleRouter, double: JiraDouble): void {
  const { model } = double;
  const api = model.api;
  const page = <T>(items: T[], query: URLSearchParams) => {
    const startAt = Number(query.get('startAt') ?? 0);
    // Jira answers at most its own page size, whatever was asked; clients must follow pages.
    const maxResults = Math.min(Number(query.get('maxResults') ?? 50), model.pageCap);
    return {
      startAt,
      maxResults,
      total: items.length,
      slice: items.slice(startAt, startAt + maxResults),
    };
  };
  const fieldJson = (f: FieldMeta) => ({
    required: f.required,
    schema: f.schema,
    name: f.name,
    fieldId: f.fieldId,
    key: f.fieldId,
    hasDefaultValue: f.hasDefaultValue ?? false,
    operations: f.operations,
    ...(f.allowedValues ? { allowedValues: f.allowedValues } : {}),
    ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
  });

  router.get(`${api}/issue/createmeta/{projectIdOrKey}/issuetypes`, (request) => {
    const project = model.project(request.params.projectIdOrKey ?? '');
    if (!project) return jiraErrors(404, ['No project could be found with key.']);
    const { startAt, maxResults, total, slice } = page(project.issueTypes, request.query);
    const types = slice.map((t) => ({
      self: `${model.siteUrl}${api}/issuetype/${t.id}`,
      id: t.id,
      name: t.name,
      description: '',
      subtask: t.subtask,
      iconUrl: `${model.siteUrl}/images/icons/issuetypes/${t.name.toLowerCase()}.png`,
    }));
    // Cloud names the list issueTypes; Server/DC pages it as values.
    return {
      status: 200,
      body:
        model.deployment === 'cloud'
          ? { startAt, maxResults, total, issueTypes: types }
          : { startAt, maxResults, total, isLast: startAt + slice.length >= total, values: types },
    };
  });

  router.get(`${api}/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}`, (request) => {
    const project = model.project(request.params.projectIdOrKey ?? '');
    const issueType = project?.issueTypes.find((t) => t.id === request.params.issueTypeId);
    if (!project || !issueType) return jiraErrors(404, ['Issue type not found.']);
    const { startAt, maxResults, total, slice } = page(issueType.fields, request.query);
    const fields = slice.map(fieldJson);
    return {
      status: 200,
      body:
        model.deployment === 'cloud'
          ? { startAt, maxResults, total, fields }
          : { startAt, maxResults, total, isLast: startAt + slice.length >= total, values: fields },
    };
  });

  // Every issue type of a project shares its workflow here: its initial status and every
  // status a transition leads to, each once. Both deployments answer a list of issue types.
  router.get(`${api}/project/{projectIdOrKey}/statuses`, (request) => {
    const project = model.project(request.params.projectIdOrKey ?? '');
    if (!project) return jiraErrors(404, ['No project could be found with key.']);
    const statuses = new Map<string, Status>([
      [project.workflow.initial.id, project.workflow.initial],
    ]);
    for (const transition of project.workflow.transitions)
      statuses.set(transition.to.id, transition.to);
    return {
      status: 200,
      body: project.issueTypes.map((type) => ({
        self: `${model.siteUrl}${api}/issuetype/${type.id}`,
        id: type.id,
        name: type.name,
        subtask: type.subtask,
        statuses: [...statuses.values()].map((status) => statusJson(model, status)),
      })),
    };
  });

  const projectJson = (p: { id: string; key: string; name: string }) => ({
    self: `${model.siteUrl}${api}/project/${p.id}`,
    id: p.id,
    key: p.key,
    name: p.name,
  });

  // Data Center has no project search: every visible project in one unpaged list.
  if (model.deployment === 'server') {
    router.get(`${api}/project`, () => ({
      status: 200,
      body: model.projects.map((p) => ({ ...projectJson(p), archived: false })),
    }));
  }

  if (model.deployment === 'cloud') {
    router.get(`${api}/project/search`, (request) => {
      const wanted = request.query.get('query')?.toLowerCase();
      const matching = model.projects.filter(
        (p) =>
          !wanted || p.key.toLowerCase().includes(wanted) || p.name.toLowerCase().includes(wanted),
      );
      if (request.query.get('orderBy') === 'key')
        matching.sort((a, b) => a.key.localeCompare(b.key));
      const { startAt, maxResults, total, slice } = page(matching, request.query);
      return {
        status: 200,
        body: {
          self: `${model.siteUrl}${api}/project/search`,
          startAt,
          maxResults,
          total,
          isLast: startAt + slice.length >= total,
          values: slice.map((p) => ({
            ...projectJson(p),
            projectTypeKey: 'software',
            simplified: false,
            style: 'classic',
          })),
        },
      };
    });
  }
}
