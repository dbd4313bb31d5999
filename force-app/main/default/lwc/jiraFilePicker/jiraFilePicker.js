import { LightningElement, api, wire } from 'lwc';
import getRecordFiles from '@salesforce/apex/JiraActionsController.getRecordFiles';
import { fileChoiceProblem, formatFileSize, formatLabel } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Files_Title';
import EMPTY from '@salesforce/label/c.Jira_Files_Empty';
import LIMITS from '@salesforce/label/c.Jira_Files_Limits';
import SELECTED from '@salesforce/label/c.Jira_Files_Selected';
import TOO_MANY from '@salesforce/label/c.Jira_Error_Attachment_Too_Many';
import TOO_LARGE_TOTAL from '@salesforce/label/c.Jira_Error_Attachment_Total';
import FAILED from '@salesforce/label/c.Jira_Files_Load_Failed';

/**
 * The record's files a user may send to Jira with a create or a comment, as the template
 * allows: each file with its name, type and size, allowed ones to pick and the others with
 * the reason. A choice over the template's count or total is shown as a problem and reported
 * as not valid (the dialog then does not send), before Apex checks it again. Shows nothing
 * when the template allows no files.
 */
export default class JiraFilePicker extends LightningElement {
  /** The record whose files are listed. */
  @api recordId;
  /** The template of the create, or of the link commented on. */
  @api templateId;
  /** True while the dialog is sending. */
  @api disabled = false;

  labels = { TITLE, EMPTY, FAILED };
  listing;
  errors;
  chosenIds = [];

  @wire(getRecordFiles, { recordId: '$recordId', templateId: '$templateId' })
  wiredFiles({ data, error }) {
    if (data) {
      this.listing = data;
      this.errors = undefined;
    } else if (error) {
      this.listing = undefined;
      this.errors = error;
    }
    // Another template is another policy: a choice made under the last one does not carry.
    this.setChoice([]);
  }

  /** The chosen ContentVersion ids, in the order the files are listed. */
  @api
  get contentVersionIds() {
    return [...this.chosenIds];
  }

  /** Forgets the choice (after a send). */
  @api
  reset() {
    this.setChoice([]);
  }

  get isShown() {
    return Boolean(this.errors || (this.listing && this.listing.allowed));
  }

  get hasFiles() {
    return Boolean(this.listing && this.listing.files && this.listing.files.length);
  }

  get limitsText() {
    const listing = this.listing;
    return listing
      ? formatLabel(
          LIMITS,
          listing.maxFiles,
          (listing.extensions || []).join(', '),
          formatFileSize(listing.maxFileBytes),
          formatFileSize(listing.maxTotalBytes),
        )
      : '';
  }

  get rows() {
    return (this.listing ? this.listing.files : []).map((file) => ({
      ...file,
      label: file.fileExtension ? `${file.title}.${file.fileExtension}` : file.title,
      sizeText: formatFileSize(file.size),
      checked: this.chosenIds.includes(file.contentVersionId),
      unavailable: this.disabled || !file.allowed,
    }));
  }

  get selectionText() {
    const total = this.chosenFiles().reduce((sum, file) => sum + (file.size || 0), 0);
    return formatLabel(
      SELECTED,
      this.chosenIds.length,
      this.listing.maxFiles,
      formatFileSize(total),
    );
  }

  get problemText() {
    const problem = fileChoiceProblem(this.listing, this.chosenIds);
    if (!problem) {
      return null;
    }
    return problem.reason === 'count'
      ? formatLabel(TOO_MANY, problem.limit)
      : formatLabel(TOO_LARGE_TOTAL, formatFileSize(problem.limit));
  }

  handleToggle(event) {
    const id = event.target.dataset.id;
    const others = this.chosenIds.filter((chosen) => chosen !== id);
    this.setChoice(event.detail.checked ? [...others, id] : others);
  }

  chosenFiles() {
    return (this.listing ? this.listing.files : []).filter((file) =>
      this.chosenIds.includes(file.contentVersionId),
    );
  }

  setChoice(ids) {
    // Listed order, so the request names the files as the user sees them.
    const listed = (this.listing ? this.listing.files : []).map((file) => file.contentVersionId);
    this.chosenIds = listed.filter((id) => ids.includes(id));
    this.dispatchEvent(
      new CustomEvent('filechange', {
        detail: {
          contentVersionIds: [...this.chosenIds],
          valid: fileChoiceProblem(this.listing, this.chosenIds) === null,
        },
      }),
    );
  }
}
