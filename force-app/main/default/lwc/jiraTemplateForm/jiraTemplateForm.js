import { LightningElement, api, wire } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import LightningConfirm from 'lightning/confirm';
import saveTemplate from '@salesforce/apex/JiraTemplateEditorController.saveTemplate';
import deleteTemplate from '@salesforce/apex/JiraTemplateEditorController.deleteTemplate';
import getObjects from '@salesforce/apex/JiraTemplateEditorController.getObjects';
import {
  fieldErrorsOf,
  formatLabel,
  groupProblems,
  mappingsToRows,
  rowsToMappings,
  toOptions,
} from 'c/jiraUtils';
import NAME from '@salesforce/label/c.Jira_Editor_Name';
import ACTIVE from '@salesforce/label/c.Jira_Editor_Active';
import OBJECT from '@salesforce/label/c.Jira_Editor_Object';
import SUMMARY from '@salesforce/label/c.Jira_Editor_Summary';
import DESCRIPTION from '@salesforce/label/c.Jira_Editor_Description';
import REMOTE_LINK from '@salesforce/label/c.Jira_Editor_Remote_Link';
import ALLOW_COMMENTS from '@salesforce/label/c.Jira_Editor_Allow_Comments';
import DUPLICATE_CHECK from '@salesforce/label/c.Jira_Editor_Duplicate_Check';
import DUPLICATE_CHECK_HELP from '@salesforce/label/c.Jira_Editor_Duplicate_Check_Help';
import TRANSITIONS from '@salesforce/label/c.Jira_Editor_Transitions';
import TRANSITIONS_HELP from '@salesforce/label/c.Jira_Editor_Transitions_Help';
import SAVE from '@salesforce/label/c.Jira_Editor_Save';
import SAVED from '@salesforce/label/c.Jira_Editor_Saved';
import DELETE from '@salesforce/label/c.Jira_Editor_Delete';
import DELETE_CONFIRM from '@salesforce/label/c.Jira_Editor_Delete_Confirm';
import DELETED from '@salesforce/label/c.Jira_Editor_Deleted';
import INVALID from '@salesforce/label/c.Jira_Editor_Invalid';
import FAILED from '@salesforce/label/c.Jira_Editor_Failed';
import ATTACHMENTS from '@salesforce/label/c.Jira_Template_Section_Attachments';
import ATTACHMENTS_HELP from '@salesforce/label/c.Jira_Template_Attachments_Help';
import ATTACHMENTS_ALLOWED from '@salesforce/label/c.Jira_Editor_Attachments_Allowed';
import ATTACHMENT_EXTENSIONS from '@salesforce/label/c.Jira_Editor_Attachment_Extensions';
import ATTACHMENT_EXTENSIONS_HELP from '@salesforce/label/c.Jira_Editor_Attachment_Extensions_Help';
import ATTACHMENT_MAX_FILE from '@salesforce/label/c.Jira_Editor_Attachment_Max_File';
import ATTACHMENT_MAX_TOTAL from '@salesforce/label/c.Jira_Editor_Attachment_Max_Total';
import ATTACHMENT_MAX_FILES from '@salesforce/label/c.Jira_Editor_Attachment_Max_Files';
import PICKER_FAILED from '@salesforce/label/c.Jira_Editor_Picker_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';

/**
 * A new template: inactive until the admin switches it on; comments and a link back allowed;
 * the create dialog looks for similar open issues first; no files until the admin allows them (the limits are then ready to adjust).
 */
function blankTemplate() {
  return {
    id: null,
    name: '',
    active: false,
    objectApiName: '',
    connection: '',
    projectKey: '',
    issueType: '',
    summary: '',
    description: '',
    fieldMappings: '',
    remoteLink: true,
    allowComments: true,
    allowedTransitions: '',
    duplicateCheck: true,
    attachmentsAllowed: false,
    attachmentExtensions: '',
    attachmentMaxFileMb: 10,
    attachmentMaxTotalMb: 25,
    attachmentMaxFiles: 5,
  };
}

/** A picker's options, keeping a stored value visible when the source no longer lists it. */
function withCurrent(options, current) {
  if (!current || options.some((option) => option.value === current)) {
    return options;
  }
  return [...options, { value: current, label: current }];
}

/**
 * Edits one rule template (JiraTemplateDto): name and state, the Salesforce object, where
 * issues go in Jira (c-jira-target-picker), summary and description with merge fields
 * (c-jira-merge-field-picker), further field mappings, comments and transitions, the files
 * users may send (types and limits), and a
 * preview against a sample record. Saving returns the problems Apex finds, each with the
 * property it concerns, and shows it beside that input. Sends `saved` and `deleted`.
 */
export default class JiraTemplateForm extends LightningElement {
  labels = {
    NAME,
    ACTIVE,
    OBJECT,
    SUMMARY,
    DESCRIPTION,
    REMOTE_LINK,
    ALLOW_COMMENTS,
    DUPLICATE_CHECK,
    DUPLICATE_CHECK_HELP,
    TRANSITIONS,
    TRANSITIONS_HELP,
    ATTACHMENTS,
    ATTACHMENTS_HELP,
    ATTACHMENTS_ALLOWED,
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_EXTENSIONS_HELP,
    ATTACHMENT_MAX_FILE,
    ATTACHMENT_MAX_TOTAL,
    ATTACHMENT_MAX_FILES,
    SAVE,
    DELETE,
    INVALID,
    FAILED,
    PICKER_FAILED,
    LOADING,
  };

  draft = blankTemplate();
  mappingRows = [];
  jiraFieldOptions = [];
  objectOptions = [];
  problemsByField = {};
  generalProblems = [];
  isSaving = false;
  errors;
  objectErrors;
  _ruleTemplate;

  /** The template to edit (JiraTemplateDto); empty for a new one. */
  @api
  get ruleTemplate() {
    return this._ruleTemplate;
  }
  set ruleTemplate(value) {
    this._ruleTemplate = value;
    this.draft = { ...blankTemplate(), ...(value || {}) };
    this.mappingRows = mappingsToRows(this.draft.fieldMappings);
    this.clearProblems();
  }

  @wire(getObjects)
  wiredObjects({ data, error }) {
    if (data) {
      this.objectOptions = toOptions(data);
    } else if (error) {
      this.objectErrors = error;
    }
  }

  get isExisting() {
    return Boolean(this.draft.id);
  }

  get objectPickerOptions() {
    return withCurrent(this.objectOptions, this.draft.objectApiName);
  }

  get hasProblems() {
    return this.generalProblems.length > 0 || Object.keys(this.problemsByField).length > 0;
  }

  get generalProblemItems() {
    return this.generalProblems.map((text, index) => ({ key: String(index), text }));
  }

  /** Problem text beside each input of this form, by DTO property. */
  get fieldProblems() {
    const text = (field) => (this.problemsByField[field] || []).join(' ');
    return {
      name: text('name'),
      objectApiName: text('objectApiName'),
      summary: text('summary'),
      description: text('description'),
      allowedTransitions: text('allowedTransitions'),
      attachmentExtensions: text('attachmentExtensions'),
      attachmentMaxFileMb: text('attachmentMaxFileMb'),
      attachmentMaxTotalMb: text('attachmentMaxTotalMb'),
      attachmentMaxFiles: text('attachmentMaxFiles'),
    };
  }

  get targetProblems() {
    const { connection, projectKey, issueType } = this.problemsByField;
    return { connection, projectKey, issueType };
  }

  get mappingProblems() {
    return this.problemsByField.fieldMappings || [];
  }

  /** The draft as Apex takes it: a JiraTemplateDto with the mapping rows as JSON. */
  get templateDto() {
    return { ...this.draft, fieldMappings: rowsToMappings(this.mappingRows) };
  }

  clearProblems() {
    this.problemsByField = {};
    this.generalProblems = [];
    this.errors = undefined;
  }

  showProblems(problems) {
    const { byField, general } = groupProblems(problems);
    this.problemsByField = byField;
    this.generalProblems = general;
  }

  handleFieldChange(event) {
    const field = event.target.dataset.field;
    let value =
      event.target.type === 'checkbox' || event.target.type === 'toggle'
        ? event.detail.checked
        : event.detail.value;
    if (event.target.type === 'number') {
      // Apex takes a Decimal: a number, or nothing for an empty box.
      value = value === '' || value === null || value === undefined ? null : Number(value);
    }
    this.draft = { ...this.draft, [field]: value };
  }

  handleTargetChange(event) {
    const { connection, projectKey, issueType } = event.detail;
    this.draft = { ...this.draft, connection, projectKey, issueType };
  }

  handleJiraFields(event) {
    this.jiraFieldOptions = event.detail.fields;
  }

  handleInsertMergeField(event) {
    const { target, text } = event.detail;
    const current = this.draft[target] || '';
    const separator = current && !current.endsWith(' ') ? ' ' : '';
    this.draft = { ...this.draft, [target]: `${current}${separator}${text}` };
  }

  handleMappingsChange(event) {
    this.mappingRows = event.detail.rows;
  }

  validateInputs() {
    const inputs = [
      ...this.template.querySelectorAll(
        'lightning-input, lightning-combobox, lightning-textarea, c-jira-target-picker',
      ),
    ];
    return inputs.map((input) => input.reportValidity()).every((valid) => valid !== false);
  }

  async handleSave() {
    if (!this.validateInputs()) {
      return;
    }
    const template = this.templateDto;
    this.isSaving = true;
    this.clearProblems();
    try {
      const result = await saveTemplate({ template });
      if (result.problems && result.problems.length) {
        this.showProblems(result.problems);
        return;
      }
      this.draft = { ...this.draft, id: result.templateId, fieldMappings: template.fieldMappings };
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(SAVED, this.draft.name), variant: 'success' }),
      );
      this.dispatchEvent(new CustomEvent('saved', { detail: { templateId: result.templateId } }));
    } catch (error) {
      this.errors = error;
      this.problemsByField = Object.fromEntries(
        Object.entries(fieldErrorsOf(error)).map(([field, message]) => [field, [message]]),
      );
    } finally {
      this.isSaving = false;
    }
  }

  async handleDelete() {
    const confirmed = await LightningConfirm.open({
      message: formatLabel(DELETE_CONFIRM, this.draft.name),
      label: DELETE,
      theme: 'warning',
    });
    if (!confirmed) {
      return;
    }
    this.isSaving = true;
    this.errors = undefined;
    try {
      await deleteTemplate({ templateId: this.draft.id });
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(DELETED, this.draft.name), variant: 'success' }),
      );
      this.dispatchEvent(new CustomEvent('deleted', { detail: { templateId: this.draft.id } }));
    } catch (error) {
      this.errors = error;
    } finally {
      this.isSaving = false;
    }
  }
}
