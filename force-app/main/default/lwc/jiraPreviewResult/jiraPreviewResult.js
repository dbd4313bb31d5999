import { LightningElement, api } from 'lwc';
import INTRO from '@salesforce/label/c.Jira_Create_Preview_Intro';
import FIELD from '@salesforce/label/c.Jira_Preview_Field';
import VALUE from '@salesforce/label/c.Jira_Preview_Value';
import PROBLEMS from '@salesforce/label/c.Jira_Preview_Problems';

/**
 * The Jira field a relay problem names. The relay starts each field problem with the field:
 * `customfield_10060: …` or `Customer Impact (customfield_10060): …`. Jira field ids start
 * with a lower-case letter, which keeps Salesforce's own messages (`Record …:`) out.
 */
const FIELD_PROBLEM = /^(?:([a-z][A-Za-z0-9_]*)|[^:()]*\(([a-z][A-Za-z0-9_]*)\)):\s/;

function fieldOf(problem) {
  const match = FIELD_PROBLEM.exec(String(problem || ''));
  return match ? match[1] || match[2] : null;
}

/**
 * What a relay preview found: the Jira fields it would send, each with the problems that name
 * it beside it (a field that has problems but no value gets a row of its own), and the
 * problems that name no field above them. Shared by jiraCreateIssue and jiraTemplatePreview;
 * renders nothing when both are empty.
 */
export default class JiraPreviewResult extends LightningElement {
  /** Payload rows [{id, value}], as `previewFields` of c/jiraUtils returns them. */
  @api fields = [];
  /** Problem messages. */
  @api problems = [];

  labels = { INTRO, FIELD, VALUE, PROBLEMS };

  get problemsByField() {
    const byField = new Map();
    (this.problems || []).forEach((text) => {
      const field = fieldOf(text);
      if (field) {
        byField.set(field, [...(byField.get(field) || []), text]);
      }
    });
    return byField;
  }

  get rows() {
    const byField = this.problemsByField;
    const sent = (this.fields || []).map((field) => field.id);
    const unsent = [...byField.keys()].filter((id) => !sent.includes(id));
    return [...(this.fields || []), ...unsent.map((id) => ({ id, value: '' }))].map((field) => {
      const problems = (byField.get(field.id) || []).map((text, index) => ({
        key: `${field.id}-${index}`,
        text,
      }));
      return {
        ...field,
        problems,
        hasProblems: problems.length > 0,
        rowClass: problems.length ? 'has-problem' : '',
      };
    });
  }

  get hasFields() {
    return this.rows.length > 0;
  }

  /** Problems that name no field: listed above the table. */
  get problemItems() {
    return (this.problems || [])
      .filter((text) => !fieldOf(text))
      .map((text, index) => ({ key: String(index), text }));
  }

  get hasGeneralProblems() {
    return this.problemItems.length > 0;
  }

  get hasProblems() {
    return Boolean(this.problems && this.problems.length);
  }
}
