import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import unlinkIssue from '@salesforce/apex/JiraActionsController.unlinkIssue';
import { formatLabel } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Unlink_Title';
import EXPLANATION from '@salesforce/label/c.Jira_Unlink_Explanation';
import UNLINK from '@salesforce/label/c.Jira_Unlink_Button';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';
import UNLINKED from '@salesforce/label/c.Jira_Unlink_Success';
import FAILED from '@salesforce/label/c.Jira_Unlink_Failed';

/**
 * Asks the user to confirm, then unlinks a Jira issue from the record: the relay removes the
 * remote link it made in Jira and the link is deleted. Nothing happens until the user confirms.
 */
export default class JiraUnlinkIssue extends LightningElement {
  /** Id of the link between the record and the issue. */
  @api linkId;
  /** The issue key, for messages. */
  @api issueKey;

  labels = { EXPLANATION, UNLINK, CANCEL, LOADING, FAILED };

  isSaving = false;
  errors;

  get title() {
    return formatLabel(TITLE, this.issueKey);
  }

  async handleUnlink() {
    this.isSaving = true;
    this.errors = undefined;
    try {
      await unlinkIssue({ linkId: this.linkId });
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(UNLINKED, this.issueKey),
          variant: 'success',
        }),
      );
      this.dispatchEvent(
        new CustomEvent('issueunlinked', {
          detail: { linkId: this.linkId, key: this.issueKey },
        }),
      );
    } catch (error) {
      this.errors = error;
    } finally {
      this.isSaving = false;
    }
  }

  handleClose() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}
