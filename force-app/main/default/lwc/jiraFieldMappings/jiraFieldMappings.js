import { LightningElement, api } from 'lwc';
import { formatLabel, newMappingRow } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Mappings_Title';
import HELP from '@salesforce/label/c.Jira_Mappings_Help';
import EMPTY from '@salesforce/label/c.Jira_Mappings_Empty';
import JIRA_FIELD from '@salesforce/label/c.Jira_Mappings_Jira_Field';
import VALUE from '@salesforce/label/c.Jira_Mappings_Value';
import VALUE_MAP from '@salesforce/label/c.Jira_Mappings_Value_Map';
import VALUE_MAP_HELP from '@salesforce/label/c.Jira_Mappings_Value_Map_Help';
import DEFAULT from '@salesforce/label/c.Jira_Mappings_Default';
import ADD from '@salesforce/label/c.Jira_Mappings_Add';
import REMOVE from '@salesforce/label/c.Jira_Mappings_Remove';

/**
 * Edits the further field mappings of a template: Jira field, value with merge fields, value
 * map (From=To per line) and default. Sends a `change` event with the rows after each edit.
 */
export default class JiraFieldMappings extends LightningElement {
  /** Rows as made by mappingsToRows. */
  @api rows = [];
  /** Creatable Jira fields of the chosen issue type: [{value, label}]. */
  @api jiraFields = [];
  /** Problems with the mappings from the server. */
  @api problems = [];

  labels = { TITLE, HELP, EMPTY, JIRA_FIELD, VALUE, VALUE_MAP, VALUE_MAP_HELP, DEFAULT, ADD };

  get hasRows() {
    return Boolean(this.rows && this.rows.length);
  }

  get hasFieldOptions() {
    return Boolean(this.jiraFields && this.jiraFields.length);
  }

  get hasProblems() {
    return Boolean(this.problems && this.problems.length);
  }

  get problemItems() {
    return (this.problems || []).map((text, index) => ({ key: String(index), text }));
  }

  get viewRows() {
    return (this.rows || []).map((row, index) => {
      const known = (this.jiraFields || []).some((option) => option.value === row.jiraField);
      return {
        ...row,
        removeLabel: formatLabel(REMOVE, row.jiraField || index + 1),
        // Keep a stored field visible even when Jira no longer lists it.
        fieldOptions:
          known || !row.jiraField
            ? this.jiraFields
            : [...this.jiraFields, { value: row.jiraField, label: row.jiraField }],
      };
    });
  }

  emit(rows) {
    this.dispatchEvent(new CustomEvent('change', { detail: { rows } }));
  }

  handleAdd() {
    this.emit([...(this.rows || []), newMappingRow()]);
  }

  handleRemove(event) {
    const key = event.currentTarget.dataset.key;
    this.emit(this.rows.filter((row) => row.key !== key));
  }

  handleInput(event) {
    // A base component's change event bubbles and is composed: stopped here, so the parent
    // hears only this component's own `change` with the rows.
    event.stopPropagation();
    const { key, prop } = event.target.dataset;
    const value = event.detail.value;
    this.emit(this.rows.map((row) => (row.key === key ? { ...row, [prop]: value } : row)));
  }
}
