import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import addComment from '@salesforce/apex/JiraActionsController.addComment';
import ALLOW_COMMENTS_FIELD from '@salesforce/schema/Jira_Rule_Template__c.Allow_Comments__c';
import { formatLabel } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Comment_Title';
import BODY from '@salesforce/label/c.Jira_Comment_Body';
import HELP from '@salesforce/label/c.Jira_Comment_Help';
import COUNTER from '@salesforce/label/c.Jira_Comment_Counter';
import TOO_LONG from '@salesforce/label/c.Jira_Comment_Too_Long';
import REQUIRED from '@salesforce/label/c.Jira_Error_Comment_Required';
import NOT_ALLOWED from '@salesforce/label/c.Jira_Error_Comments_Not_Allowed';
import SEND from '@salesforce/label/c.Jira_Comment_Button';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';
import ADDED from '@salesforce/label/c.Jira_Comment_Success';
import FAILED from '@salesforce/label/c.Jira_Comment_Failed';

/** Jira rejects comments longer than this (its text field limit). */
const MAX_LENGTH = 32767;

/**
 * Adds a plain-text comment to a linked Jira issue, attributed to the user by the relay.
 * Hidden when the link's template does not allow comments.
 */
export default class JiraCommentIssue extends LightningElement {
  /** Id of the link between the record and the issue. */
  @api linkId;
  /** The issue key, for messages. */
  @api issueKey;
  /** The link's template id (comments may be switched off there), or empty. */
  @api templateId;

  labels = {
    TITLE,
    BODY,
    HELP,
    TOO_LONG,
    REQUIRED,
    NOT_ALLOWED,
    SEND,
    CANCEL,
    LOADING,
    FAILED,
  };
  maxLength = MAX_LENGTH;

  body = '';
  isSaving = false;
  errors;
  allowComments = true;

  @wire(getRecord, { recordId: '$templateId', fields: [ALLOW_COMMENTS_FIELD] })
  wiredTemplate({ data }) {
    // Without readable template data the server still decides; only a clear "no" hides the form.
    this.allowComments = data ? getFieldValue(data, ALLOW_COMMENTS_FIELD) !== false : true;
  }

  get title() {
    return formatLabel(TITLE, this.issueKey);
  }

  get counter() {
    return formatLabel(COUNTER, this.body.length, MAX_LENGTH);
  }

  get sendDisabled() {
    return this.isSaving || !this.body.trim() || this.body.length > MAX_LENGTH;
  }

  handleBodyChange(event) {
    this.body = event.detail.value || '';
  }

  async handleSend() {
    this.isSaving = true;
    this.errors = undefined;
    try {
      await addComment({ linkId: this.linkId, body: this.body });
      this.body = '';
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(ADDED, this.issueKey),
          variant: 'success',
        }),
      );
      this.dispatchEvent(
        new CustomEvent('commentadded', {
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
