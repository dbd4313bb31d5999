import { LightningElement, api, wire } from 'lwc';
import getObjectFields from '@salesforce/apex/JiraTemplateEditorController.getObjectFields';
import { toOptions } from 'c/jiraUtils';
import MERGE_FIELD from '@salesforce/label/c.Jira_Editor_Merge_Field';
import MERGE_FIELD_HELP from '@salesforce/label/c.Jira_Merge_Field_Help';
import ADD_TO_SUMMARY from '@salesforce/label/c.Jira_Editor_Add_To_Summary';
import ADD_TO_DESCRIPTION from '@salesforce/label/c.Jira_Editor_Add_To_Description';
import PICKER_FAILED from '@salesforce/label/c.Jira_Editor_Picker_Failed';

/**
 * Picks a field (or relationship path) of the template's object and sends it as a merge
 * field, `{{Path}}`, in an `insert` event naming the text it goes to (`summary` or
 * `description`). The form decides where the text ends up.
 */
export default class JiraMergeFieldPicker extends LightningElement {
  labels = { MERGE_FIELD, MERGE_FIELD_HELP, ADD_TO_SUMMARY, ADD_TO_DESCRIPTION, PICKER_FAILED };

  options = [];
  path;
  errors;
  _objectApiName;

  /** API name of the template's object; the list follows it. */
  @api
  get objectApiName() {
    return this._objectApiName;
  }
  set objectApiName(value) {
    if ((value || undefined) !== this._objectApiName) {
      this._objectApiName = value || undefined;
      this.path = undefined;
    }
  }

  @wire(getObjectFields, { objectApiName: '$_objectApiName' })
  wiredFields({ data, error }) {
    if (data) {
      this.options = toOptions(data);
      this.errors = undefined;
    } else if (error) {
      this.options = [];
      this.errors = error;
    }
  }

  get disabled() {
    return !this._objectApiName;
  }

  get insertDisabled() {
    return !this.path;
  }

  handlePathChange(event) {
    this.path = event.detail.value;
  }

  handleInsert(event) {
    this.dispatchEvent(
      new CustomEvent('insert', {
        detail: { target: event.currentTarget.dataset.target, text: `{{${this.path}}}` },
      }),
    );
  }
}
