import type { JiraDouble } from '../jira-double';
import { issueJson } from '../representations';
import { selectIssues } from './jql';
import { jiraErrors, type DoubleReply, type DoubleRouter } from '../router';

const select = selectIssues;

/** search/jql with nextPageToken (Cloud), search with startAt (Server/DC), and the issue picker. */
export function searchRoutes(router: DoubleRouter, double: JiraDouble): void {
  const { model } = double;
  const api = model.api;

  const cloudSearch = (
    jql: string,
    fields: string[] | undefined,
    maxResults: number,
    token: string | undefined,
  ): DoubleReply => {
    const selected = select([...model.issues.values()], jql);
    if (!selected)
      return jiraErrors(400, [`Error in the JQL Query: '${jql}' is not supported by the double.`]);
    const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
    const slice = selected.slice(offset, offset + maxResults);
    const next = offset + slice.length < selected.length ? offset + slice.length : undefined;
    return {
      status: 200,
      body: {
        issues: slice.map((i) => issueJson(model, i, { fields: fields ?? ['id'] })),
        isLast: next === undefined,
        ...(next !== undefined
          ? { nextPageToken: Buffer.from(String(next)).toString('base64url') }
          : {}),
      },
    };
  };

  const serverSearch = (
    jql: string,
    fields: string[] | undefined,
    maxResults: number,
    startAt: number,
  ): DoubleReply => {
    const selected = select([...model.issues.values()], jql);
    if (!selected)
      return jiraErrors(400, [`Error in the JQL Query: '${jql}' is not supported by the double.`]);
    return {
      status: 200,
      body: {
        expand: 'schema,names',
        startAt,
        maxResults,
        total: selected.length,
        issues: selected
          .slice(startAt, startAt + maxResults)
          .map((i) => issueJson(model, i, { fields })),
      },
    };
  };

  if (model.deployment === 'cloud') {
    router.get(`${api}/search/jql`, (request) =>
      cloudSearch(
        request.query.get('jql') ?? '',
        request.query.get('fields')?.split(','),
        Number(request.query.get('maxResults') ?? 50),
        request.query.get('nextPageToken') ?? undefined,
      ),
    );
    router.post(`${api}/search/jql`, (request) => {
      const body = (request.body ?? {}) as {
        jql?: string;
        fields?: string[];
        maxResults?: number;
        nextPageToken?: string;
      };
      return cloudSearch(body.jql ?? '', body.fields, body.maxResults ?? 50, body.nextPageToken);
    });
  } else {
    router.get(`${api}/search`, (request) =>
      serverSearch(
        request.query.get('jql') ?? '',
        request.query.get('fields')?.split(','),
        Number(request.query.get('maxResults') ?? 50),
        Number(request.query.get('startAt') ?? 0),
      ),
    );
    router.post(`${api}/search`, (request) => {
      const body = (request.body ?? {}) as {
        jql?: string;
        fields?: string[];
        maxResults?: number;
        startAt?: number;
      };
      return serverSearch(body.jql ?? '', body.fields, body.maxResults ?? 50, body.startAt ?? 0);
    });
  }

  // Jira's picker searches the issues `currentJQL` selects (all of them without it).
  router.get(`${api}/issue/picker`, (request) => {
    const text = (request.query.get('query') ?? '').toLowerCase();
    const currentJql = request.query.get('currentJQL') ?? '';
    const scope = select([...model.issues.values()], currentJql);
    if (!scope)
      return jiraErrors(400, [`Error in the JQL Query: '${currentJql}' is not supported.`]);
    const matches = scope.filter(
      (i) =>
        i.key.toLowerCase().includes(text) ||
        String(i.fields.summary ?? '')
          .toLowerCase()
          .includes(text),
    );
    return {
      status: 200,
      body: {
        sections: [
          {
            label: 'Current Search',
            sub: `Showing ${matches.length} of ${matches.length} matching issues`,
            id: 'cs',
            issues: matches.map((i) => ({
              id: Number(i.id),
              key: i.key,
              keyHtml: i.key,
              img: '/images/icons/issuetypes/bug.png',
              summary: String(i.fields.summary ?? ''),
              summaryText: String(i.fields.summary ?? ''),
            })),
          },
        ],
      },
    };
  });
}
