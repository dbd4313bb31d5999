export { JiraDouble, startJiraDouble, type JiraDoubleOptions } from './jira-double';
export type { Fault, FaultKind } from './faults';
export { INCIDENT_WORKFLOW, JiraModel, STATUSES, SUPPORT_WORKFLOW } from './model';
export type { Deployment, FieldMeta, Issue, IssueType, JiraUser, Project } from './model';
export { DEFAULT_SCOPES, OAuthServer, type OAuthSite } from './oauth-server';
export {
  DataCenterOAuthProvider,
  DC_AUTHORIZE_PATH,
  DC_CONSENT_PATH,
  DC_SCOPES,
  DC_TOKEN_PATH,
  type DataCenterScope,
  type IncomingLink,
  type TokenRequest,
} from './dc-oauth-provider';
export { openApiValidator, OpenApiValidator, SPECS_DIR } from './openapi-validator';
export { DoubleRouter, jiraErrors } from './router';
export type { DoubleReply, DoubleRequest, Handler, Principal } from './router';
