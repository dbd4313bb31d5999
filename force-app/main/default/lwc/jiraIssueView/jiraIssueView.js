import { LightningElement, api } from 'lwc';
import viewIssue from '@salesforce/apex/JiraActionsController.viewIssue';
import {
  formatDateTime,
  formatLabel,
  httpsUrl,
  statusBadgeClass,
  transitionLabel,
} from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_View_Title';
import STATUS from '@salesforce/label/c.Jira_Field_Status';
import ISSUE_TYPE from '@salesforce/label/c.Jira_Field_Issue_Type';
import PRIORITY from '@salesforce/label/c.Jira_Field_Priority';
import ASSIGNEE from '@salesforce/label/c.Jira_Field_Assignee';
import REPORTER from '@salesforce/label/c.Jira_Field_Reporter';
import CREATED from '@salesforce/label/c.Jira_Field_Created';
import UPDATED from '@salesforce/label/c.Jira_Field_Updated';
import LABELS from '@salesforce/label/c.Jira_Field_Labels';
import DESCRIPTION from '@salesforce/label/c.Jira_Field_Description';
import UNASSIGNED from '@salesforce/label/c.Jira_Unassigned';
import NO_DESCRIPTION from '@salesforce/label/c.Jira_View_No_Description';
import COMMENTS from '@salesforce/label/c.Jira_View_Comments';
import NO_COMMENTS from '@salesforce/label/c.Jira_View_No_Comments';
import TRANSITIONS from '@salesforce/label/c.Jira_View_Transitions';
import NO_TRANSITIONS from '@salesforce/label/c.Jira_View_No_Transitions';
import OPEN_IN_JIRA from '@salesforce/label/c.Jira_Open_In_Jira';
import CLOSE from '@salesforce/label/c.Jira_Close';
import LOADING from '@salesforce/label/c.Jira_Loading';
import FAILED from '@salesforce/label/c.Jira_View_Failed';

/**
 * Read-only inline view of a linked Jira issue. The description and comment HTML comes
 * sanitised by the relay and is rendered only through lightning-formatted-rich-text, which
 * applies Salesforce's own allow-list on top.
 */
export default class JiraIssueView extends LightningElement {
  /** Id of the link between the record and the issue. */
  @api linkId;

  labels = {
    STATUS,
    ISSUE_TYPE,
    PRIORITY,
    ASSIGNEE,
    REPORTER,
    CREATED,
    UPDATED,
    LABELS,
    DESCRIPTION,
    NO_DESCRIPTION,
    COMMENTS,
    NO_COMMENTS,
    TRANSITIONS,
    NO_TRANSITIONS,
    OPEN_IN_JIRA,
    CLOSE,
    LOADING,
    FAILED,
  };

  issue;
  isLoading = false;
  errors;

  connectedCallback() {
    this.reload();
  }

  /** Reads the issue again (after a comment or transition). */
  @api
  async reload() {
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.issue = await viewIssue({ linkId: this.linkId });
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
    }
  }

  get title() {
    return this.issue ? formatLabel(TITLE, this.issue.key) : '';
  }

  /** The issue's address when it may be a link (https only). */
  get issueLink() {
    return httpsUrl(this.issue && this.issue.url);
  }

  get openInJira() {
    return this.issue ? formatLabel(OPEN_IN_JIRA, this.issue.key) : '';
  }

  get statusName() {
    return this.issue && this.issue.status ? this.issue.status.name : '';
  }

  get statusClass() {
    return statusBadgeClass(this.issue && this.issue.status && this.issue.status.category);
  }

  get assignee() {
    return (this.issue && this.issue.assignee) || UNASSIGNED;
  }

  get created() {
    return formatDateTime(this.issue && this.issue.created);
  }

  get updated() {
    return formatDateTime(this.issue && this.issue.updated);
  }

  get labelsText() {
    return this.issue && this.issue.labels ? this.issue.labels.join(', ') : '';
  }

  get hasDescription() {
    return Boolean(this.issue && this.issue.descriptionHtml);
  }

  get comments() {
    return ((this.issue && this.issue.comments) || []).map((comment) => ({
      ...comment,
      createdText: formatDateTime(comment.created),
    }));
  }

  get hasComments() {
    return this.comments.length > 0;
  }

  get transitions() {
    return ((this.issue && this.issue.transitions) || []).map((transition) => ({
      ...transition,
      text: transitionLabel(transition),
    }));
  }

  get hasTransitions() {
    return this.transitions.length > 0;
  }

  handleClose() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}
