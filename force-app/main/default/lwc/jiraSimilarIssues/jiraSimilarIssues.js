import { LightningElement, api } from 'lwc';
import { formatLabel, httpsUrl } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Similar_Issues_Title';
import INTRO from '@salesforce/label/c.Jira_Similar_Issues_Intro';
import LINKED from '@salesforce/label/c.Jira_Similar_Issues_Linked';
import LINK_INSTEAD from '@salesforce/label/c.Jira_Similar_Issues_Link_Instead';
import LINK_INSTEAD_FOR from '@salesforce/label/c.Jira_Similar_Issues_Link_Instead_For';
import NOT_CHECKED from '@salesforce/label/c.Jira_Similar_Issues_Not_Checked';

/**
 * The duplicate guard's answer in the create dialog: open issues of the template's project like
 * the one about to be created, each with "Link instead" (or marked as already linked). It only
 * informs: a failed check shows one quiet line and never stops a create.
 */
export default class JiraSimilarIssues extends LightningElement {
  /** The preview's `similarIssues` ({state, code, issues}); nothing renders without it. */
  @api similar;
  /** True while the dialog is busy (a link or create is running). */
  @api disabled = false;

  labels = { TITLE, INTRO, LINKED, LINK_INSTEAD, NOT_CHECKED };

  get items() {
    const issues = (this.similar && this.similar.issues) || [];
    return issues.map((issue) => ({
      key: issue.key,
      url: httpsUrl(issue.url),
      summary: issue.summary || '',
      status: issue.status ? issue.status.name : '',
      updated: issue.updated,
      linked: Boolean(issue.linked),
      linkTitle: formatLabel(LINK_INSTEAD_FOR, issue.key),
    }));
  }

  get hasIssues() {
    return this.items.length > 0;
  }

  get notChecked() {
    return Boolean(this.similar && this.similar.state === 'failed');
  }

  handleLink(event) {
    this.dispatchEvent(
      new CustomEvent('linkissue', { detail: { key: event.currentTarget.dataset.key } }),
    );
  }
}
