import { LightningElement, wire } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import LightningConfirm from 'lightning/confirm';
import getTemplates from '@salesforce/apex/JiraTemplateEditorController.getTemplates';
import getTemplate from '@salesforce/apex/JiraTemplateEditorController.getTemplate';
import saveTemplate from '@salesforce/apex/JiraTemplateEditorController.saveTemplate';
import deleteTemplate from '@salesforce/apex/JiraTemplateEditorController.deleteTemplate';
import validateTemplate from '@salesforce/apex/JiraTemplateEditorController.validateTemplate';
import getObjects from '@salesforce/apex/JiraTemplateEditorController.getObjects';
import getObjectFields from '@salesforce/apex/JiraTemplateEditorController.getObjectFields';
import getProjects from '@salesforce/apex/JiraTemplateEditorController.getProjects';
import getIssueTypes from '@salesforce/apex/JiraTemplateEditorController.getIssueTypes';
import getJiraFields from '@salesforce/apex/JiraTemplateEditorController.getJiraFields';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';
import {
  fieldErrorsOf,
  formatLabel,
  mappingsToRows,
  mergeFieldPaths,
  rowsToMappings,
  toOptions,
} from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Editor_Title';
import NEW from '@salesforce/label/c.Jira_Editor_New';
import TEMPLATES from '@salesforce/label/c.Jira_Editor_Templates';
import NO_TEMPLATES from '@salesforce/label/c.Jira_Editor_No_Templates';
import CHOOSE from '@salesforce/label/c.Jira_Editor_Choose';
import NAME from '@salesforce/label/c.Jira_Editor_Name';
import ACTIVE from '@salesforce/label/c.Jira_Editor_Active';
import INACTIVE from '@salesforce/label/c.Jira_Editor_Inactive';
import OBJECT from '@salesforce/label/c.Jira_Editor_Object';
import CONNECTION from '@salesforce/label/c.Jira_Editor_Connection';
import PROJECT from '@salesforce/label/c.Jira_Editor_Project';
import ISSUE_TYPE from '@salesforce/label/c.Jira_Editor_Issue_Type';
import SUMMARY from '@salesforce/label/c.Jira_Editor_Summary';
import DESCRIPTION from '@salesforce/label/c.Jira_Editor_Description';
import MERGE_FIELD from '@salesforce/label/c.Jira_Editor_Merge_Field';
import ADD_TO_SUMMARY from '@salesforce/label/c.Jira_Editor_Add_To_Summary';
import ADD_TO_DESCRIPTION from '@salesforce/label/c.Jira_Editor_Add_To_Description';
import REMOTE_LINK from '@salesforce/label/c.Jira_Editor_Remote_Link';
import ALLOW_COMMENTS from '@salesforce/label/c.Jira_Editor_Allow_Comments';
import TRANSITIONS from '@salesforce/label/c.Jira_Editor_Transitions';
import TRANSITIONS_HELP from '@salesforce/label/c.Jira_Editor_Transitions_Help';
import SAVE from '@salesforce/label/c.Jira_Editor_Save';
import SAVED from '@salesforce/label/c.Jira_Editor_Saved';
import DELETE from '@salesforce/label/c.Jira_Editor_Delete';
import DELETE_CONFIRM from '@salesforce/label/c.Jira_Editor_Delete_Confirm';
import DELETED from '@salesforce/label/c.Jira_Editor_Deleted';
import INVALID from '@salesforce/label/c.Jira_Editor_Invalid';
import FAILED from '@salesforce/label/c.Jira_Editor_Failed';
import PICKER_FAILED from '@salesforce/label/c.Jira_Editor_Picker_Failed';
import MAPPINGS_JSON from '@salesforce/label/c.Jira_Error_Mappings_Json';
import UNKNOWN_OBJECT from '@salesforce/label/c.Jira_Error_Unknown_Object';
import UNRESOLVED_PATH from '@salesforce/label/c.Jira_Error_Unresolved_Path';
import UNKNOWN_BUILT_IN from '@salesforce/label/c.Jira_Error_Unknown_Built_In';
import LOADING from '@salesforce/label/c.Jira_Loading';

function blankTemplate() {
  return {
    Name: '',
    Active__c: false,
    Object_Api_Name__c: '',
    Connection__c: '',
    Project_Key__c: '',
    Issue_Type__c: '',
    Summary__c: '',
    Description__c: '',
    Field_Mappings__c: '',
    Remote_Link__c: true,
    Allow_Comments__c: true,
    Allowed_Transitions__c: '',
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
 * Template editor (admins): list the ticketing rule templates, edit one with pickers from
 * Salesforce (objects, merge fields) and from Jira through the relay (connections, projects,
 * issue types, fields), preview against a sample record and save. Server-side validation
 * problems are shown beside the field they concern.
 */
export default class JiraTemplateEditor extends LightningElement {
  labels = {
    TITLE,
    NEW,
    TEMPLATES,
    NO_TEMPLATES,
    CHOOSE,
    NAME,
    ACTIVE,
    OBJECT,
    CONNECTION,
    PROJECT,
    ISSUE_TYPE,
    SUMMARY,
    DESCRIPTION,
    MERGE_FIELD,
    ADD_TO_SUMMARY,
    ADD_TO_DESCRIPTION,
    REMOTE_LINK,
    ALLOW_COMMENTS,
    TRANSITIONS,
    TRANSITIONS_HELP,
    SAVE,
    DELETE,
    INVALID,
    FAILED,
    PICKER_FAILED,
    LOADING,
  };

  templates = [];
  templatesLoaded = false;
  draft;
  mappingRows = [];
  objectOptions = [];
  mergeFieldOptions = [];
  mergeField;
  connectionOptions = [];
  projectOptions = [];
  issueTypes = [];
  jiraFieldOptions = [];
  problemsByField = {};
  generalProblems = [];
  isLoading = false;
  isSaving = false;
  errors;
  pickerErrors;

  @wire(getObjects)
  wiredObjects({ data, error }) {
    if (data) {
      this.objectOptions = toOptions(data);
    } else if (error) {
      this.pickerErrors = error;
    }
  }

  @wire(getObjectFields, { objectApiName: '$objectApiName' })
  wiredObjectFields({ data, error }) {
    if (data) {
      this.mergeFieldOptions = toOptions(data);
    } else if (error) {
      this.mergeFieldOptions = [];
      this.pickerErrors = error;
    }
  }

  connectedCallback() {
    this.loadTemplates();
    this.loadConnections();
  }

  get objectApiName() {
    return this.draft ? this.draft.Object_Api_Name__c || undefined : undefined;
  }

  async loadTemplates() {
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.templates = (await getTemplates()) || [];
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
      this.templatesLoaded = true;
    }
  }

  async loadConnections() {
    try {
      const connections = (await getConnections()) || [];
      this.connectionOptions = connections.map((connection) => ({
        value: connection.name,
        label: `${connection.name} (${connection.baseUrl || connection.deployment})`,
      }));
    } catch (error) {
      this.pickerErrors = error;
    }
  }

  async loadProjects() {
    this.projectOptions = [];
    if (!this.draft.Connection__c) {
      return;
    }
    try {
      this.projectOptions = toOptions(await getProjects({ connection: this.draft.Connection__c }));
    } catch (error) {
      this.pickerErrors = error;
    }
  }

  async loadIssueTypes() {
    this.issueTypes = [];
    if (!this.draft.Connection__c || !this.draft.Project_Key__c) {
      return;
    }
    try {
      this.issueTypes = toOptions(
        await getIssueTypes({
          connection: this.draft.Connection__c,
          projectKey: this.draft.Project_Key__c,
        }),
      );
    } catch (error) {
      this.pickerErrors = error;
    }
  }

  async loadJiraFields() {
    this.jiraFieldOptions = [];
    const issueType = this.issueTypes.find((option) => option.label === this.draft.Issue_Type__c);
    if (!issueType) {
      return;
    }
    try {
      const fields = await getJiraFields({
        connection: this.draft.Connection__c,
        projectKey: this.draft.Project_Key__c,
        issueTypeId: issueType.value,
      });
      this.jiraFieldOptions = (fields || []).map((field) => ({
        value: field.value,
        label: `${field.label} (${field.value})`,
      }));
    } catch (error) {
      this.pickerErrors = error;
    }
  }

  async loadJiraPickers() {
    this.pickerErrors = undefined;
    await this.loadProjects();
    await this.loadIssueTypes();
    await this.loadJiraFields();
  }

  get hasTemplates() {
    return this.templates.length > 0;
  }

  get showEmpty() {
    return this.templatesLoaded && !this.isLoading && !this.hasTemplates;
  }

  get templateItems() {
    const selectedId = this.draft && this.draft.Id;
    return this.templates.map((template) => ({
      id: template.Id,
      name: template.Name,
      detail: `${template.Object_Api_Name__c} → ${template.Project_Key__c} / ${template.Issue_Type__c}`,
      stateLabel: template.Active__c ? ACTIVE : INACTIVE,
      stateClass: template.Active__c ? 'slds-badge slds-theme_success' : 'slds-badge',
      current: template.Id === selectedId ? 'true' : 'false',
      itemClass:
        template.Id === selectedId
          ? 'template-item slds-p-around_x-small slds-theme_shade'
          : 'template-item slds-p-around_x-small',
    }));
  }

  get isExisting() {
    return Boolean(this.draft && this.draft.Id);
  }

  get connectionPickerOptions() {
    return withCurrent(this.connectionOptions, this.draft && this.draft.Connection__c);
  }

  get projectPickerOptions() {
    return withCurrent(this.projectOptions, this.draft && this.draft.Project_Key__c);
  }

  get issueTypeOptions() {
    return withCurrent(
      this.issueTypes.map((option) => ({ value: option.label, label: option.label })),
      this.draft && this.draft.Issue_Type__c,
    );
  }

  get objectPickerOptions() {
    return withCurrent(this.objectOptions, this.draft && this.draft.Object_Api_Name__c);
  }

  get mergeFieldDisabled() {
    return !this.mergeField;
  }

  get hasGeneralProblems() {
    return this.generalProblems.length > 0;
  }

  get generalProblemItems() {
    return this.generalProblems.map((text, index) => ({ key: String(index), text }));
  }

  get fieldProblems() {
    const text = (field) => (this.problemsByField[field] || []).join(' ');
    return {
      name: text('Name'),
      object: text('Object_Api_Name__c'),
      connection: text('Connection__c'),
      project: text('Project_Key__c'),
      issueType: text('Issue_Type__c'),
      summary: text('Summary__c'),
      description: text('Description__c'),
      transitions: text('Allowed_Transitions__c'),
    };
  }

  get mappingProblems() {
    return this.problemsByField.Field_Mappings__c || [];
  }

  /** The draft as the Apex methods take it (mapping rows serialised). */
  get templateForApex() {
    const { attributes, ...fields } = this.draft || {};
    return {
      ...fields,
      sobjectType: 'Jira_Rule_Template__c',
      Field_Mappings__c: rowsToMappings(this.mappingRows),
    };
  }

  startEditing(record) {
    this.draft = { ...blankTemplate(), ...record };
    this.mappingRows = mappingsToRows(this.draft.Field_Mappings__c);
    this.mergeField = undefined;
    this.clearProblems();
    this.loadJiraPickers();
  }

  clearProblems() {
    this.problemsByField = {};
    this.generalProblems = [];
    this.errors = undefined;
  }

  handleNew() {
    this.startEditing({});
  }

  async handleSelect(event) {
    const templateId = event.currentTarget.dataset.id;
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.startEditing(await getTemplate({ templateId }));
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
    }
  }

  handleFieldChange(event) {
    const field = event.target.dataset.field;
    const value =
      event.target.type === 'checkbox' || event.target.type === 'toggle'
        ? event.detail.checked
        : event.detail.value;
    this.draft = { ...this.draft, [field]: value };
    if (field === 'Connection__c') {
      this.draft = { ...this.draft, Project_Key__c: '', Issue_Type__c: '' };
      this.loadJiraPickers();
    } else if (field === 'Project_Key__c') {
      this.draft = { ...this.draft, Issue_Type__c: '' };
      this.loadIssueTypes().then(() => this.loadJiraFields());
    } else if (field === 'Issue_Type__c') {
      this.loadJiraFields();
    } else if (field === 'Object_Api_Name__c') {
      this.mergeField = undefined;
    }
  }

  handleMappingsChange(event) {
    this.mappingRows = event.detail.rows;
  }

  handleMergeFieldChange(event) {
    this.mergeField = event.detail.value;
  }

  handleInsertMergeField(event) {
    const field = event.currentTarget.dataset.target;
    const current = this.draft[field] || '';
    const separator = current && !current.endsWith(' ') ? ' ' : '';
    this.draft = { ...this.draft, [field]: `${current}${separator}{{${this.mergeField}}}` };
  }

  /**
   * Puts each server problem next to the field it concerns: the object, the mappings JSON,
   * or every text whose merge fields the problem names. The rest stays general.
   */
  attributeProblems(problems) {
    const byField = {};
    const general = [];
    const add = (field, message) => {
      byField[field] = [...(byField[field] || []), message];
    };
    const objectName = this.draft.Object_Api_Name__c;
    const texts = {
      Summary__c: this.draft.Summary__c,
      Description__c: this.draft.Description__c,
      Field_Mappings__c: this.mappingRows.map((row) => row.value).join('\n'),
    };
    problems.forEach((problem) => {
      if (problem === MAPPINGS_JSON) {
        add('Field_Mappings__c', problem);
        return;
      }
      if (problem === formatLabel(UNKNOWN_OBJECT, objectName)) {
        add('Object_Api_Name__c', problem);
        return;
      }
      const fields = Object.keys(texts).filter((field) =>
        mergeFieldPaths(texts[field]).some(
          (path) =>
            problem === formatLabel(UNRESOLVED_PATH, path, objectName) ||
            problem === formatLabel(UNKNOWN_BUILT_IN, path),
        ),
      );
      if (fields.length) {
        fields.forEach((field) => add(field, problem));
      } else {
        general.push(problem);
      }
    });
    this.problemsByField = byField;
    this.generalProblems = general;
  }

  validateInputs() {
    return [
      ...this.template.querySelectorAll(
        '.template-form lightning-input, .template-form lightning-combobox, .template-form lightning-textarea',
      ),
    ]
      .map((input) => input.reportValidity())
      .every((valid) => valid !== false);
  }

  async handleSave() {
    if (!this.validateInputs()) {
      return;
    }
    this.isSaving = true;
    this.clearProblems();
    const template = this.templateForApex;
    try {
      const problems = (await validateTemplate({ template })) || [];
      if (problems.length) {
        this.attributeProblems(problems);
        return;
      }
      const templateId = await saveTemplate({ template });
      this.draft = { ...this.draft, Id: templateId, Field_Mappings__c: template.Field_Mappings__c };
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(SAVED, this.draft.Name),
          variant: 'success',
        }),
      );
      await this.loadTemplates();
    } catch (error) {
      this.errors = error;
      const fieldErrors = fieldErrorsOf(error);
      this.problemsByField = Object.fromEntries(
        Object.entries(fieldErrors).map(([field, message]) => [field, [message]]),
      );
    } finally {
      this.isSaving = false;
    }
  }

  async handleDelete() {
    const confirmed = await LightningConfirm.open({
      message: formatLabel(DELETE_CONFIRM, this.draft.Name),
      label: DELETE,
      theme: 'warning',
    });
    if (!confirmed) {
      return;
    }
    this.isSaving = true;
    this.errors = undefined;
    try {
      await deleteTemplate({ templateId: this.draft.Id });
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(DELETED, this.draft.Name),
          variant: 'success',
        }),
      );
      this.draft = undefined;
      await this.loadTemplates();
    } catch (error) {
      this.errors = error;
    } finally {
      this.isSaving = false;
    }
  }
}
