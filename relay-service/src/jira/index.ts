/**
 * The Jira client surface other capabilities build on: a client per connection (one `send`)
 * and endpoint functions over it.
 */
export { apiPathFor, JiraClients } from './jira-client';
export type { ApiPath, Deployment, JiraApi, JiraClient } from './jira-client';
export type { HttpMethod, JiraRequest, JiraResponse, Send, TransportSettings } from './transport';
export { defaultTransportSettings } from './transport';
export { jiraError } from './jira-errors';
export { parseJira } from './endpoints/parse';
export { myself, serverInfo } from './endpoints/platform';
export type { JiraAccount, JiraServerInfo } from './endpoints/platform';
