import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { parseJira } from './parse';

/**
 * Reading issues: the inline view in one call, and a small summary (link, exact key lookup).
 * Cloud (v3) and Server/DC (v2) answer the same shapes for everything read here, except that
 * rich text fields are ADF on Cloud; the relay only shows Jira's rendered HTML of them.
 */

/**
 * A Jira issue key as typed by people: project key, dash, number. Jira's project keys are
 * letters, digits and underscores starting with a letter (any case is accepted and looked up
 * case-insensitively by Jira). Nothing else can appear, so a key is safe in a URL path and in JQL.
 */
export const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,254}-[1-9][0-9]{0,17}$/;

export const isIssueKey = (candidate: string): boolean => ISSUE_KEY.test(candidate);

/** A Jira project key as the issue key pattern above allows it (letters, digits, underscores). */
export const PROJECT_KEY = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;

/** The project part of an issue key (`SUP` of `SUP-42`), upper case. */
export const projectKeyOf = (issueKey: string): string =>
  issueKey.slice(0, issueKey.lastIndexOf('-')).toUpperCase();

/** Keys in the form Jira shows them (project keys are stored upper case). */
export const normaliseIssueKey = (key: string): string => key.toUpperCase();

export const issuePath = (api: JiraApi, key: string) =>
  `${api.apiPath}/issue/${encodeURIComponent(key)}`;

const READ_SCOPES = ['read:jira-work'] as const;
export const WRITE_SCOPES = ['write:jira-work'] as const;

// The schemas below keep only the keys the relay reads (z.object strips the rest): an issue
// answer carries many more (self links, avatar URLs, ids), and copying each of them into the
// parsed answer was most of what parsing it allocated (a looseObject copies unknown keys).

/** A user as either deployment returns it (Cloud: accountId; Server/DC: name). */
export const jiraUserSchema = z.object({
  accountId: z.string().optional(),
  name: z.string().optional(),
  displayName: z.string().optional(),
});
export type JiraUserJson = z.output<typeof jiraUserSchema>;

export const jiraStatusSchema = z.object({
  id: z.string().optional(),
  name: z.string(),
  statusCategory: z.object({ key: z.string().optional(), name: z.string().optional() }).optional(),
});
export type JiraStatusJson = z.output<typeof jiraStatusSchema>;

const named = z.object({ name: z.string().optional() });

/** A transition as listed by `expand=transitions` or GET …/transitions. */
export const jiraTransitionSchema = z.object({
  id: z.string(),
  name: z.string(),
  to: jiraStatusSchema.optional(),
  hasScreen: z.boolean().optional(),
  isAvailable: z.boolean().optional(),
  /**
   * Screen fields; present with `expand=transitions.fields`. Keyed by field id. Kept whole:
   * `parseScreenFields` reads each one again as field metadata (schema, allowed values).
   */
  fields: z
    .record(
      z.string(),
      z.looseObject({
        required: z.boolean().optional(),
        name: z.string().optional(),
        hasDefaultValue: z.boolean().optional(),
        allowedValues: z.array(z.unknown()).optional(),
      }),
    )
    .optional(),
});
export type JiraTransitionJson = z.output<typeof jiraTransitionSchema>;

const commentSchema = z.object({
  id: z.string(),
  author: jiraUserSchema.optional(),
  created: z.string().optional(),
  body: z.unknown().optional(),
});

/** Summary fields, shared by the view, the status list and the link answer. */
const summaryFields = {
  summary: z.string().nullish(),
  status: jiraStatusSchema.nullish(),
  priority: named.nullish(),
  assignee: jiraUserSchema.nullish(),
  updated: z.string().nullish(),
  /** Present only when asked for (`project` in the fields). */
  project: z.object({ key: z.string() }).nullish(),
};

export const issueSummarySchema = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.object(summaryFields),
});
export type JiraIssueSummary = z.output<typeof issueSummarySchema>;

export const SUMMARY_FIELDS = ['summary', 'status', 'priority', 'assignee', 'updated'];

const issueViewSchema = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.object({
    ...summaryFields,
    issuetype: named.nullish(),
    reporter: jiraUserSchema.nullish(),
    created: z.string().nullish(),
    labels: z.array(z.string()).nullish(),
    comment: z
      .object({ comments: z.array(commentSchema).default([]), total: z.number().optional() })
      .nullish(),
  }),
  // Jira's HTML of rich text fields; dates in here are localised text, so they are not used.
  renderedFields: z
    .object({
      description: z.string().nullish(),
      comment: z
        .object({
          comments: z.array(z.object({ id: z.string(), body: z.string().nullish() })).default([]),
        })
        .nullish(),
    })
    .nullish(),
  transitions: z.array(jiraTransitionSchema).default([]),
});
export type JiraIssueView = z.output<typeof issueViewSchema>;

/** The fields the inline view shows; `comment` brings the comments in the same call. */
export const VIEW_FIELDS = [
  ...SUMMARY_FIELDS,
  'issuetype',
  'reporter',
  'created',
  'labels',
  'description',
  'comment',
];

/**
 * Everything the inline view needs in one call: fields (with comments), Jira's rendered HTML
 * of the description and comments, and the transitions the connection's user may run now.
 */
export async function getIssueView(api: JiraApi, key: string): Promise<JiraIssueView> {
  const response = await api.send({
    method: 'GET',
    path: issuePath(api, key),
    query: { fields: VIEW_FIELDS, expand: 'renderedFields,transitions' },
    scopes: READ_SCOPES,
    issueKey: key,
  });
  return parseJira(issueViewSchema, response, 'the issue');
}

/**
 * The few fields that identify an issue and its state (link, exact key lookup); `extraFields`
 * adds others (e.g. `project`, to check where the issue lives now).
 */
export async function getIssueSummary(
  api: JiraApi,
  key: string,
  extraFields: readonly string[] = [],
): Promise<JiraIssueSummary> {
  const response = await api.send({
    method: 'GET',
    path: issuePath(api, key),
    query: { fields: [...SUMMARY_FIELDS, ...extraFields] },
    scopes: READ_SCOPES,
    issueKey: key,
  });
  return parseJira(issueSummarySchema, response, 'the issue');
}

/** Display name of a Jira user, whichever deployment sent it. */
export function userName(user: JiraUserJson | null | undefined): string | null {
  if (!user) return null;
  return user.displayName ?? user.name ?? user.accountId ?? null;
}

/** The contract's `{name, category}`; category is Jira's stable key (new, indeterminate, done). */
export function statusOf(status: JiraStatusJson | null | undefined): {
  name: string;
  category: string | null;
} | null {
  if (!status) return null;
  return { name: status.name, category: status.statusCategory?.key ?? null };
}

/** Jira's `2024-01-31T12:00:00.000+0000` as ISO-8601 UTC; unparseable values pass unchanged. */
export function isoDate(value: string | null | undefined): string | null {
  if (!value) return null;
  // ECMAScript only promises to parse offsets written with a colon.
  const parsed = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed) ? value : new Date(parsed).toISOString();
}

/**
 * The page people open for an issue, on the site they browse (not the API gateway). Salesforce
 * shows it as a link, so it is an https URL or nothing: null when the site is not https (a
 * plain-http Jira allowed by RELAY_ALLOW_PRIVATE_UPSTREAMS, or a site URL that is not a URL).
 */
export function browseUrl(siteUrl: string, key: string): string | null {
  let site: URL;
  try {
    site = new URL(siteUrl);
  } catch {
    return null;
  }
  if (site.protocol !== 'https:' || site.username || site.password) return null;
  const base = `${site.origin}${site.pathname.replace(/\/+$/, '')}`;
  return `${base}/browse/${encodeURIComponent(key)}`;
}
