import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import addComment from '@salesforce/apex/JiraActionsController.addComment';
import ALLOW_COMMENTS_FIELD from '@salesforce/schema/Jira_Rule_Template__c.Allow_Comments__c';
import { describeFailedAttachments, failedAttachments, formatLabel } from 'c/jiraUtils';
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
import FILES_FAILED_TITLE from '@salesforce/label/c.Jira_Files_Failed_Title';
import FILES_FAILED_MESSAGE from '@salesforce/label/c.Jira_Files_Failed_Message';

/** Jira rejects comments longer than this (its text field limit). */
const MAX_LENGTH = 32767;

/**
 * Adds a plain-text comment to a linked Jira issue, attributed to the user by the relay.
 * Hidden when the link's template does not allow comments. Files of the linked record the
 * template allows can go along (c-jira-file-picker); files that fail are named in a warning.
 */
export default class JiraCommentIssue extends LightningElement {
  /** Id of the link between the record and the issue. */
  @api linkId;
  /** The issue key, for messages. */
  @api issueKey;
  /** The link's template id (comments may be switched off there), or empty. */
  @api templateId;
  /** The linked record, whose files may go along. */
  @api recordId;

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
  /** Chosen files (ContentVersion ids) and whether the choice fits the template's limits. */
  contentVersionIds = [];
  filesValid = true;

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
    return this.isSaving || !this.body.trim() || this.body.length > MAX_LENGTH || !this.filesValid;
  }

  /** Files come from the record under the link's template; a link without one takes none. */
  get offersFiles() {
    return Boolean(this.templateId && this.recordId);
  }

  handleFileChange(event) {
    this.contentVersionIds = event.detail.contentVersionIds;
    this.filesValid = event.detail.valid;
  }

  handleBodyChange(event) {
    this.body = event.detail.value || '';
  }

  async handleSend() {
    this.isSaving = true;
    this.errors = undefined;
    try {
      const result = await addComment({
        linkId: this.linkId,
        body: this.body,
        contentVersionIds: this.contentVersionIds,
      });
      this.body = '';
      const picker = this.template.querySelector('c-jira-file-picker');
      if (picker) {
        picker.reset();
      }
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(ADDED, this.issueKey),
          variant: 'success',
        }),
      );
      const failed = failedAttachments(result && result.attachments);
      if (failed.length) {
        this.dispatchEvent(
          new ShowToastEvent({
            title: formatLabel(FILES_FAILED_TITLE, this.issueKey),
            message: formatLabel(FILES_FAILED_MESSAGE, describeFailedAttachments(failed)),
            variant: 'warning',
            mode: 'sticky',
          }),
        );
      }
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
