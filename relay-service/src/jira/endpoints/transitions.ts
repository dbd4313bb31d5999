import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { issuePath, jiraTransitionSchema, WRITE_SCOPES, type JiraTransitionJson } from './issues';
import { parseJira } from './parse';

const transitionsSchema = z.looseObject({ transitions: z.array(jiraTransitionSchema).default([]) });

/**
 * The transitions the connection's user may run on the issue now, each with its screen fields
 * (`expand=transitions.fields`) so a required field can be reported before anything is sent.
 */
export async function listTransitions(api: JiraApi, key: string): Promise<JiraTransitionJson[]> {
  const response = await api.send({
    method: 'GET',
    path: `${issuePath(api, key)}/transitions`,
    query: { expand: 'transitions.fields' },
    scopes: ['read:jira-work'],
    issueKey: key,
  });
  return parseJira(transitionsSchema, response, 'the transitions').transitions;
}

/** Runs one transition; `fields` are the transition screen's values, already shaped. */
export async function performTransition(
  api: JiraApi,
  key: string,
  transitionId: string,
  fields: Record<string, unknown>,
): Promise<void> {
  await api.send({
    method: 'POST',
    path: `${issuePath(api, key)}/transitions`,
    body: {
      transition: { id: transitionId },
      ...(Object.keys(fields).length ? { fields } : {}),
    },
    scopes: WRITE_SCOPES,
    issueKey: key,
  });
}
