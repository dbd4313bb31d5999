import { label } from '../../org/labels';
import type { SandboxOrg } from '../../org/org';
import { objectOfId } from '../../org/schema';
import { auraEnabled, isBlank, str, type ApexController } from '../apex-method';
import { JiraServiceException } from '../errors';
import type { MyJira } from '../relay-models';

/**
 * JiraMyJiraController with JiraMyJiraService: "Act as me in Jira", the calling user's own Jira
 * account only (the relay knows the user from the signed request).
 */

function requireName(name: unknown): string {
  if (isBlank(name))
    throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Connection_Input'));
  return String(name).trim();
}

function connectionsFor(org: SandboxOrg, recordId: string): string[] {
  const objectApiName = objectOfId(recordId)?.name;
  const names = org
    .records('Jira_Rule_Template__c')
    .filter((t) => t.Active__c === true && t.Object_Api_Name__c === objectApiName)
    .map((t) => str(t.Connection__c))
    .filter((name): name is string => Boolean(name && name.trim()));
  return [...new Set(names)].sort();
}

/** The page the relay's page links back to: the record in the Lightning host the preview stands for. */
function returnUrlOf(org: SandboxOrg, url: unknown): string {
  let page: URL | undefined;
  try {
    page = typeof url === 'string' ? new URL(url.trim()) : undefined;
  } catch {
    page = undefined;
  }
  if (!page || !['http:', 'https:'].includes(page.protocol))
    throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Return_Url_Https'));
  return `${org.lightningUrl}${page.pathname}`;
}

export const JiraMyJiraController: ApexController = {
  getMyJiraAccounts: auraEnabled(['recordId'], async ({ org, relay }, { recordId }) => {
    const result: MyJira[] = [];
    for (const name of connectionsFor(org, String(recordId))) {
      const mine = await relay.getMyJiraAccount(name);
      if (mine.identity !== 'service') result.push(mine);
    }
    return result;
  }),

  startMyJiraOAuth: auraEnabled(['connection', 'returnUrl'], ({ org, relay }, args) =>
    relay.startMyJiraOAuth(requireName(args.connection), returnUrlOf(org, args.returnUrl)),
  ),

  saveMyJiraToken: auraEnabled(['connection', 'token', 'expiresAt'], ({ relay }, args) => {
    const name = requireName(args.connection);
    if (isBlank(args.token))
      throw new JiraServiceException('VALIDATION_FAILED', label('Jira_My_Jira_Token_Required'));
    const expiresAt = isBlank(args.expiresAt) ? null : String(args.expiresAt).trim();
    return relay.putMyJiraToken(name, String(args.token).trim(), expiresAt);
  }),

  disconnectMyJiraAccount: auraEnabled(['connection'], async ({ relay }, args) => {
    await relay.disconnectMyJiraAccount(requireName(args.connection));
    return null;
  }),
};
