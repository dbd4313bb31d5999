import { LightningElement, api } from 'lwc';
import { describeErrors, formatLabel, isBusy, userMessage } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Error_Panel_Title';
import REFERENCE from '@salesforce/label/c.Jira_Error_Reference';
import RETRY_AFTER from '@salesforce/label/c.Jira_Error_Retry_After';

/**
 * The one error display of Pharos Jira: every component hands its caught errors here.
 * Shows each message, and where the relay supplied them the request id (for support) and
 * how long to wait before retrying; when Jira or the relay is busy, "Jira is busy, try again in
 * N s" instead of the technical message.
 */
export default class ErrorPanel extends LightningElement {
  /** Errors as caught from Apex, UI API or JavaScript (one or an array). */
  @api errors;
  /** Optional headline; defaults to a generic one. */
  @api friendlyMessage;

  get title() {
    return this.friendlyMessage || TITLE;
  }

  get items() {
    return describeErrors(this.errors).map((item, index) => ({
      key: `${index}-${item.code || ''}`,
      message: userMessage(item),
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
