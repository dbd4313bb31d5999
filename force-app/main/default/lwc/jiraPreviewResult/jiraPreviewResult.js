import { LightningElement, api } from 'lwc';
import INTRO from '@salesforce/label/c.Jira_Create_Preview_Intro';
import FIELD from '@salesforce/label/c.Jira_Preview_Field';
import VALUE from '@salesforce/label/c.Jira_Preview_Value';
import PROBLEMS from '@salesforce/label/c.Jira_Preview_Problems';

/**
 * What a relay preview found: the problems it lists and the Jira fields it would send.
 * Shared by jiraCreateIssue and jiraTemplatePreview; renders nothing when both are empty.
 */
export default class JiraPreviewResult extends LightningElement {
  /** Payload rows [{id, value}], as `previewFields` of c/jiraUtils returns them. */
  @api fields = [];
  /** Problem messages. */
  @api problems = [];

  labels = { INTRO, FIELD, VALUE, PROBLEMS };

  get hasFields() {
    return Boolean(this.fields && this.fields.length);
  }

  get problemItems() {
    return (this.problems || []).map((text, index) => ({ key: String(index), text }));
  }

  get hasProblems() {
    return Boolean(this.problems && this.problems.length);
  }
}
