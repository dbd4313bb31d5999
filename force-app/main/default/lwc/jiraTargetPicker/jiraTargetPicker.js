import { LightningElement, api } from 'lwc';
import getConnections from '@salesforce/apex/JiraTemplateEditorController.getConnections';
import getProjects from '@salesforce/apex/JiraTemplateEditorController.getProjects';
import getIssueTypes from '@salesforce/apex/JiraTemplateEditorController.getIssueTypes';
import getJiraFields from '@salesforce/apex/JiraTemplateEditorController.getJiraFields';
import { formatLabel, toOptions } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Target_Title';
import CONNECTION from '@salesforce/label/c.Jira_Editor_Connection';
import PROJECT from '@salesforce/label/c.Jira_Editor_Project';
import ISSUE_TYPE from '@salesforce/label/c.Jira_Editor_Issue_Type';
import REQUIRED_FIELDS from '@salesforce/label/c.Jira_Target_Required_Fields';
import PICKER_FAILED from '@salesforce/label/c.Jira_Editor_Picker_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';

/** A picker's options, keeping a stored value visible when the source no longer lists it. */
function withCurrent(options, current) {
  if (!current || options.some((option) => option.value === current)) {
    return options;
  }
  return [...options, { value: current, label: current }];
}

/** Jira's own fields that every create sends from the summary and description. */
const SENT_ANYWAY = new Set(['summary', 'description', 'project', 'issuetype']);

/**
 * Where a template's issues go in Jira, chosen in order: connection → project → issue type,
 * each list read from the relay for the choice before it, and then the creatable fields of
 * that issue type (sent as `fieldsload` for the mappings; the ones Jira requires are named).
 * A change sends `change` with {connection, projectKey, issueType}; choosing an earlier step
 * clears the later ones.
 */
export default class JiraTargetPicker extends LightningElement {
  /** Problems from Apex by property: {connection, projectKey, issueType}. */
  @api problems = {};

  labels = { TITLE, CONNECTION, PROJECT, ISSUE_TYPE, PICKER_FAILED, LOADING };

  connectionOptions = [];
  projectOptions = [];
  issueTypes = [];
  jiraFields = [];
  isLoading = false;
  errors;

  _connection = '';
  _projectKey = '';
  _issueType = '';
  /** What each list was read for, so a value set again by the parent reads nothing twice. */
  loadedFor = { projects: null, issueTypes: null, fields: null };
  reloadQueued = false;
  reloads = Promise.resolve();

  /** Connection name. */
  @api
  get connection() {
    return this._connection;
  }
  set connection(value) {
    this._connection = value || '';
    this.queueReload();
  }

  /** Jira project key. */
  @api
  get projectKey() {
    return this._projectKey;
  }
  set projectKey(value) {
    this._projectKey = value || '';
    this.queueReload();
  }

  /** Issue type name (templates store the name). */
  @api
  get issueType() {
    return this._issueType;
  }
  set issueType(value) {
    this._issueType = value || '';
    this.queueReload();
  }

  connectedCallback() {
    this.loadConnections();
    this.queueReload();
  }

  get connectionPickerOptions() {
    return withCurrent(this.connectionOptions, this._connection);
  }

  get projectPickerOptions() {
    return withCurrent(this.projectOptions, this._projectKey);
  }

  get issueTypePickerOptions() {
    return withCurrent(
      this.issueTypes.map((option) => ({ value: option.label, label: option.label })),
      this._issueType,
    );
  }

  get projectDisabled() {
    return !this._connection;
  }

  get issueTypeDisabled() {
    return !this._projectKey;
  }

  get problemTexts() {
    const problems = this.problems || {};
    const text = (field) => (problems[field] || []).join(' ');
    return {
      connection: text('connection'),
      projectKey: text('projectKey'),
      issueType: text('issueType'),
    };
  }

  get requiredFieldsText() {
    const required = this.jiraFields
      .filter((field) => field.required && !SENT_ANYWAY.has(field.value))
      .map((field) => field.label);
    return required.length ? formatLabel(REQUIRED_FIELDS, required.join(', ')) : '';
  }

  async loadConnections() {
    try {
      this.connectionOptions = toOptions(await getConnections());
    } catch (error) {
      this.errors = error;
    }
  }

  /**
   * Values often arrive together (a template is opened): the lists are read once for all of
   * them, one reload after the other, so an older answer never overwrites a newer one.
   */
  queueReload() {
    if (this.reloadQueued) {
      return;
    }
    this.reloadQueued = true;
    this.reloads = this.reloads.then(() => {
      this.reloadQueued = false;
      return this.reload();
    });
  }

  async reload() {
    const connection = this._connection;
    const projectKey = this._projectKey;
    const issueType = this._issueType;
    const stale = () =>
      connection !== this._connection ||
      projectKey !== this._projectKey ||
      issueType !== this._issueType;
    this.isLoading = true;
    try {
      if (this.loadedFor.projects !== connection) {
        this.projectOptions = connection ? toOptions(await getProjects({ connection })) : [];
        this.loadedFor = { ...this.loadedFor, projects: connection };
      }
      const typesKey = `${connection}|${projectKey}`;
      if (!stale() && this.loadedFor.issueTypes !== typesKey) {
        this.issueTypes =
          connection && projectKey
            ? toOptions(await getIssueTypes({ connection, projectKey }))
            : [];
        this.loadedFor = { ...this.loadedFor, issueTypes: typesKey };
      }
      const fieldsKey = `${typesKey}|${issueType}`;
      if (!stale() && this.loadedFor.fields !== fieldsKey) {
        const type = this.issueTypes.find((option) => option.label === issueType);
        const fields = type
          ? await getJiraFields({ connection, projectKey, issueTypeId: type.value })
          : [];
        this.loadedFor = { ...this.loadedFor, fields: fieldsKey };
        this.setJiraFields(fields || []);
      }
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
    }
  }

  setJiraFields(fields) {
    this.jiraFields = fields.map((field) => ({
      value: field.value,
      label: field.label || field.value,
      required: field.required === true,
    }));
    this.dispatchEvent(
      new CustomEvent('fieldsload', {
        detail: {
          fields: this.jiraFields.map((field) => ({
            value: field.value,
            label: `${field.label} (${field.value})`,
          })),
        },
      }),
    );
  }

  handleChange(event) {
    // A base component's change event bubbles and is composed: stopped here, so the parent
    // hears only this component's own `change`, not the combobox's too.
    event.stopPropagation();
    const step = event.target.dataset.step;
    const value = event.detail.value || '';
    this.errors = undefined;
    if (step === 'connection') {
      this._connection = value;
      this._projectKey = '';
      this._issueType = '';
    } else if (step === 'projectKey') {
      this._projectKey = value;
      this._issueType = '';
    } else {
      this._issueType = value;
    }
    this.dispatchEvent(
      new CustomEvent('change', {
        detail: {
          connection: this._connection,
          projectKey: this._projectKey,
          issueType: this._issueType,
        },
      }),
    );
    this.queueReload();
  }

  /** Every step chosen (lightning-combobox validation). */
  @api
  reportValidity() {
    return [...this.template.querySelectorAll('lightning-combobox')]
      .map((input) => input.reportValidity())
      .every((valid) => valid !== false);
  }
}
