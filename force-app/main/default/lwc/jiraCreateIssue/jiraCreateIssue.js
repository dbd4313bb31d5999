import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import newActionKey from '@salesforce/apex/JiraActionsController.newActionKey';
import previewIssue from '@salesforce/apex/JiraActionsController.previewIssue';
import createIssue from '@salesforce/apex/JiraActionsController.createIssue';
import linkIssue from '@salesforce/apex/JiraActionsController.linkIssue';
import {
  describeFailedAttachments,
  failedAttachments,
  formatLabel,
  httpsUrl,
  issueToast,
  previewFields,
} from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Create_Title';
import TEMPLATE from '@salesforce/label/c.Jira_Template';
import TEMPLATE_PLACEHOLDER from '@salesforce/label/c.Jira_Template_Placeholder';
import NO_TEMPLATES from '@salesforce/label/c.Jira_No_Templates';
import CREATE from '@salesforce/label/c.Jira_Create_Button';
import RETRY from '@salesforce/label/c.Jira_Create_Retry';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import CLOSE from '@salesforce/label/c.Jira_Close';
import LOADING from '@salesforce/label/c.Jira_Loading';
import CREATED from '@salesforce/label/c.Jira_Create_Success';
import CREATED_LINK from '@salesforce/label/c.Jira_Create_Success_Link';
import FAILED from '@salesforce/label/c.Jira_Create_Failed';
import LINKED from '@salesforce/label/c.Jira_Link_Success';
import FILES_FAILED_TITLE from '@salesforce/label/c.Jira_Files_Failed_Title';
import FILES_FAILED_MESSAGE from '@salesforce/label/c.Jira_Files_Failed_Message';
import FILES_RESULTS from '@salesforce/label/c.Jira_Files_Results';
import FILE_ATTACHED from '@salesforce/label/c.Jira_Files_Result_Attached';
import FILE_FAILED from '@salesforce/label/c.Jira_Files_Result_Failed';

/**
 * Creates a Jira issue from a template: the user picks a template, sees exactly the fields
 * the relay would send (its preview), then creates. The idempotency key belongs to one user
 * action: it is fetched once and reused when the user retries after a failure, so a create
 * that reached Jira is never made twice. Files of the record the template allows can go along
 * (c-jira-file-picker); what became of each is shown after the create, failures in a warning.
 */
export default class JiraCreateIssue extends LightningElement {
  /** The record the issue is created from. */
  @api recordId;
  /** Active templates for the record's object: [{value: templateId, label: name}]. */
  @api templates = [];
  /** Template to preselect. */
  @api defaultTemplateId;

  labels = {
    TITLE,
    TEMPLATE,
    TEMPLATE_PLACEHOLDER,
    NO_TEMPLATES,
    CANCEL,
    CLOSE,
    LOADING,
    FAILED,
    FILES_RESULTS,
  };

  templateId;
  fields = [];
  problems = [];
  /** The preview's duplicate guard: open issues like this one. */
  similar;
  errors;
  isPreviewing = false;
  isCreating = false;
  isLinking = false;
  created;
  /** Idempotency key of the current create action; kept across retries, dropped on success. */
  actionKey;
  /** Chosen files (ContentVersion ids) and whether the choice fits the template's limits. */
  contentVersionIds = [];
  filesValid = true;

  connectedCallback() {
    const preselected =
      this.defaultTemplateId ||
      (this.templates && this.templates.length === 1 ? this.templates[0].value : null);
    if (preselected) {
      this.selectTemplate(preselected);
    }
  }

  get hasTemplates() {
    return Boolean(this.templates && this.templates.length);
  }

  get isBusy() {
    return this.isPreviewing || this.isCreating || this.isLinking;
  }

  get hasPreview() {
    return this.fields.length > 0;
  }

  get hasProblems() {
    return this.problems.length > 0;
  }

  get createLabel() {
    return this.actionKey ? RETRY : CREATE;
  }

  get createDisabled() {
    return (
      !this.templateId || this.isBusy || this.hasProblems || !this.hasPreview || !this.filesValid
    );
  }

  /** The new issue's address when it may be a link (https only). */
  get createdLink() {
    return this.created ? httpsUrl(this.created.url) : null;
  }

  get createdText() {
    return this.created ? formatLabel(CREATED_LINK, this.created.key) : '';
  }

  /** Files are picked before the create; afterwards its results are shown instead. */
  get offersFiles() {
    return Boolean(this.templateId) && !this.created;
  }

  /** Per-file results of the create: name and whether it reached Jira (and why not). */
  get fileResults() {
    return ((this.created && this.created.attachments) || []).map((result, index) => ({
      key: `${index}-${result.contentVersionId}`,
      fileName: result.fileName || result.contentVersionId,
      text: result.attached
        ? FILE_ATTACHED
        : formatLabel(FILE_FAILED, result.message || result.code),
      className: result.attached
        ? 'file-result attached'
        : 'file-result failed slds-text-color_error',
    }));
  }

  get hasFileResults() {
    return this.fileResults.length > 0;
  }

  handleFileChange(event) {
    // A different choice of files is a different request: it gets its own key.
    const ids = event.detail.contentVersionIds;
    if (ids.join() !== this.contentVersionIds.join()) {
      this.actionKey = null;
    }
    this.contentVersionIds = ids;
    this.filesValid = event.detail.valid;
  }

  handleTemplateChange(event) {
    this.selectTemplate(event.detail.value);
  }

  selectTemplate(templateId) {
    this.templateId = templateId;
    // A different template is a different user action: it gets its own key.
    this.actionKey = null;
    this.created = null;
    this.loadPreview();
  }

  async loadPreview() {
    this.isPreviewing = true;
    this.errors = undefined;
    this.fields = [];
    this.problems = [];
    this.similar = undefined;
    try {
      const result = await previewIssue({
        recordId: this.recordId,
        templateId: this.templateId,
      });
      this.fields = previewFields(result && result.payloadJson);
      this.problems = (result && result.problems) || [];
      this.similar = result && result.similarIssues;
    } catch (error) {
      this.errors = error;
    } finally {
      this.isPreviewing = false;
    }
  }

  async handleCreate() {
    this.isCreating = true;
    this.errors = undefined;
    try {
      if (!this.actionKey) {
        this.actionKey = await newActionKey();
      }
      const issue = await createIssue({
        recordId: this.recordId,
        templateId: this.templateId,
        idempotencyKey: this.actionKey,
        contentVersionIds: this.contentVersionIds,
      });
      this.actionKey = null;
      this.created = issue;
      this.dispatchEvent(new ShowToastEvent(issueToast(formatLabel(CREATED, issue.key), issue)));
      const failed = failedAttachments(issue.attachments);
      if (failed.length) {
        this.dispatchEvent(
          new ShowToastEvent({
            title: formatLabel(FILES_FAILED_TITLE, issue.key),
            message: formatLabel(FILES_FAILED_MESSAGE, describeFailedAttachments(failed)),
            variant: 'warning',
            mode: 'sticky',
          }),
        );
      }
      this.dispatchEvent(
        new CustomEvent('issuecreated', {
          detail: { key: issue.key, linkId: issue.linkId, url: issue.url },
        }),
      );
    } catch (error) {
      this.errors = error;
    } finally {
      this.isCreating = false;
    }
  }

  /** "Link instead": links an issue the duplicate guard found, with the chosen template. */
  async handleLinkInstead(event) {
    this.isLinking = true;
    this.errors = undefined;
    try {
      const issue = await linkIssue({
        recordId: this.recordId,
        issueKey: event.detail.key,
        connection: null,
        templateId: this.templateId,
      });
      this.dispatchEvent(new ShowToastEvent(issueToast(formatLabel(LINKED, issue.key), issue)));
      this.dispatchEvent(
        new CustomEvent('issuelinked', { detail: { key: issue.key, linkId: issue.linkId } }),
      );
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLinking = false;
    }
  }

  handleClose() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}
