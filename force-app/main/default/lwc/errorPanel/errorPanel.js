import { LightningElement, api } from 'lwc';
import { describeErrors, formatLabel, isBusy, userMessage } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Error_Panel_Title';
import REFERENCE from '@salesforce/label/c.Jira_Error_Reference';
import RETRY_AFTER from '@salesforce/label/c.Jira_Error_Retry_After';
import CONNECT_PROMPT from '@salesforce/label/c.Jira_My_Jira_Connect_Prompt';
import CONNECT_PROMPT_DETAIL from '@salesforce/label/c.Jira_My_Jira_Connect_Prompt_Detail';

/** The relay's code when the connection acts only as the user's own Jira account and they have none. */
const USER_NOT_CONNECTED = 'JIRA_USER_NOT_CONNECTED';

/**
 * The one error display of Pharos Jira: every component hands its caught errors here.
 * Shows each message, and where the relay supplied them the request id (for support) and
 * how long to wait before retrying; when Jira or the relay is busy, "Jira is busy, try again in
 * N s" instead of the technical message. When the action needs the user's own Jira account
 * (JIRA_USER_NOT_CONNECTED), "Connect your Jira account", pointing at the card's "Act as me in
 * Jira" step. (No button here: reaching the card from inside a dialog would take an event that
 * both bubbles and is composed, which would also run up through the whole page.)
 */
export default class ErrorPanel extends LightningElement {
  /** Errors as caught from Apex, UI API or JavaScript (one or an array). */
  @api errors;
  /** Optional headline; defaults to a generic one. */
  @api friendlyMessage;

  get needsUserAccount() {
    return describeErrors(this.errors).some((item) => item.code === USER_NOT_CONNECTED);
  }

  get title() {
    if (this.needsUserAccount) {
      return CONNECT_PROMPT;
    }
    return this.friendlyMessage || TITLE;
  }

  get items() {
    return describeErrors(this.errors).map((item, index) => ({
      key: `${index}-${item.code || ''}`,
      message: item.code === USER_NOT_CONNECTED ? CONNECT_PROMPT_DETAIL : userMessage(item),
      code: item.code,
      reference: item.requestId ? formatLabel(REFERENCE, item.requestId) : null,
      // A busy message already says when to try again.
      retry: item.retryAfter && !isBusy(item) ? formatLabel(RETRY_AFTER, item.retryAfter) : null,
    }));
  }

  get hasErrors() {
    return this.items.length > 0;
  }
}
