import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { parseJira } from './parse';

/**
 * Jira remote links back to Salesforce records (`POST {api}/issue/{key}/remotelink`). Jira
 * treats `globalId` as the link's identity: posting the same globalId again updates the link
 * instead of adding a second one, so create, link and any retry of them can call this freely.
 * Create, Link and Unlink all use this module, so the globalId of a record is derived in one place.
 */

const WRITE_SCOPES = ['write:jira-work'] as const;

/** Jira limits globalId to 255 characters; ours are far shorter. */
const GLOBAL_ID_PREFIX = 'pharos:salesforce';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * The case-insensitive 18-character form of a Salesforce id. The same record may arrive as a
 * 15-character id (formulas, reports) or an 18-character one (API); both must map to one
 * globalId, or a second link would appear for the same record.
 */
export function toSalesforceId18(id: string): string {
  if (id.length !== 15 && id.length !== 18) return id;
  // The suffix is derived from the first 15 characters (which alone identify the record), so
  // it is recomputed rather than trusted: "…AAB" and "…aab" name the same record.
  const base = id.slice(0, 15);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = base.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return base + suffix;
}

/** The remote link identity of one Salesforce record of one org: `pharos:salesforce:<org>:<record>`. */
export function recordGlobalId(orgId: string, recordId: string): string {
  return `${GLOBAL_ID_PREFIX}:${toSalesforceId18(orgId)}:${toSalesforceId18(recordId)}`;
}

export interface RemoteLinkInput {
  /** From `recordGlobalId`; repeating a call with the same globalId updates the link. */
  globalId: string;
  /** The record's URL in Salesforce. */
  url: string;
  /** What Jira shows as the link text, e.g. "Case 00001026". */
  title: string;
  /** Optional second line shown under the title. */
  summary?: string;
  /** 16×16 icon shown next to the link. */
  iconUrl?: string;
}

export interface RemoteLinkResult {
  id: number;
  /** True when Jira answered 201 (Cloud, new link); DC answers 200 for both cases. */
  created: boolean;
}

/** Jira truncates nothing here and refuses over-long titles; keep what people see readable. */
const MAX_TITLE = 255;

const remoteLinkAnswer = z.looseObject({
  id: z.number().int(),
  self: z.string().optional(),
});

/** Builds the request body; exported so tests (and preview) can show exactly what is sent. */
export function remoteLinkBody(input: RemoteLinkInput): Record<string, unknown> {
  return {
    globalId: input.globalId,
    application: { type: 'com.salesforce', name: 'Salesforce' },
    relationship: 'Salesforce record',
    object: {
      url: input.url,
      title: input.title.slice(0, MAX_TITLE),
      ...(input.summary ? { summary: input.summary.slice(0, MAX_TITLE) } : {}),
      ...(input.iconUrl ? { icon: { url16x16: input.iconUrl, title: 'Salesforce' } } : {}),
    },
  };
}

/**
 * Adds the remote link, or updates the one Jira already has with the same globalId. Because
 * Jira upserts on globalId, the POST is safe to repeat and is marked idempotent for the
 * transport's retries.
 */
export async function upsertRemoteLink(
  api: JiraApi,
  issueKey: string,
  input: RemoteLinkInput,
): Promise<RemoteLinkResult> {
  const response = await api.send({
    method: 'POST',
    path: `${api.apiPath}/issue/${encodeURIComponent(issueKey)}/remotelink`,
    body: remoteLinkBody(input),
    idempotent: true,
    scopes: api.deployment === 'cloud' ? WRITE_SCOPES : undefined,
    issueKey,
  });
  const answer = parseJira(remoteLinkAnswer, response, 'the remote link');
  return { id: answer.id, created: response.status === 201 };
}

/**
 * Deletes the issue's remote link with this globalId (`DELETE {api}/issue/{key}/remotelink?globalId=`),
 * and no other. Jira answers 404 both when no link has that globalId and when the issue itself
 * is missing or hidden from the connection; that answer is returned as `false` so the caller can
 * tell the two apart. Deleting twice changes nothing more, so the transport may retry it.
 */
export async function deleteRemoteLink(
  api: JiraApi,
  issueKey: string,
  globalId: string,
): Promise<boolean> {
  const response = await api.send({
    method: 'DELETE',
    path: `${api.apiPath}/issue/${encodeURIComponent(issueKey)}/remotelink`,
    query: { globalId },
    idempotent: true,
    scopes: api.deployment === 'cloud' ? WRITE_SCOPES : undefined,
    issueKey,
    acceptStatuses: [404],
  });
  return response.status !== 404;
}
