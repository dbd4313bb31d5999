import type { JiraIssueTypeRef } from '../jira/endpoints/createmeta-answers';

/**
 * The issue type a template names, by id or by name (case-insensitive, as Jira compares
 * names), or undefined when the project has no such type for creating issues.
 */
export function resolveIssueType(
  issueTypes: readonly JiraIssueTypeRef[],
  wanted: string,
): JiraIssueTypeRef | undefined {
  const byId = issueTypes.find((t) => t.id === wanted);
  if (byId) return byId;
  const lower = wanted.trim().toLowerCase();
  return issueTypes.find((t) => t.name.toLowerCase() === lower);
}
