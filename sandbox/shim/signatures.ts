/**
 * Two controller methods change on a branch that is not merged yet. The shim implements both
 * forms of each; these switches say which one the Apex in this tree has. Flip one when its
 * change lands: the drift test (force-app/test/offline/sandbox-apex-shim.test.ts) fails until
 * each switch matches the Apex.
 */

/**
 * `JiraActionsController.searchIssues(recordId, connection, query)`: the record narrows the
 * search to its templates' projects (before: `searchIssues(connection, query)`).
 */
export const SEARCH_ISSUES_TAKES_RECORD = true;

/**
 * `JiraSetupController.startOAuth` answers `{authorizeUrl, expiresAt}` (before: the bare
 * authorize URL as a String).
 */
export const START_OAUTH_ANSWERS_EXPIRY = true;
