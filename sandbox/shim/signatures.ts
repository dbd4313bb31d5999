/**
 * Two controller methods change on a branch that is not merged yet:
 * `JiraActionsController.searchIssues(recordId, connection, query)` (the record narrows the
 * search to its templates' projects) and `JiraSetupController.startOAuth` answering
 * `{authorizeUrl, expiresAt}` instead of the bare URL. The shim implements both forms; this
 * switch says which one the Apex in this tree has. Set it to true once that branch is in:
 * the drift test (force-app/test/offline/sandbox-apex-shim.test.ts) fails until it matches.
 */
export const SIGNATURES_AFTER_RECORD_SEARCH = false;
