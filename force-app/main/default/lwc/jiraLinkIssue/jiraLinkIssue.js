import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import searchIssues from '@salesforce/apex/JiraActionsController.searchIssues';
import linkIssue from '@salesforce/apex/JiraActionsController.linkIssue';
import CONNECTION_FIELD from '@salesforce/schema/Jira_Rule_Template__c.Connection__c';
import { debounce, formatLabel, issueToast } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Link_Title';
import TEMPLATE from '@salesforce/label/c.Jira_Template';
import TEMPLATE_PLACEHOLDER from '@salesforce/label/c.Jira_Template_Placeholder';
import NO_TEMPLATES from '@salesforce/label/c.Jira_No_Templates';
import SEARCH from '@salesforce/label/c.Jira_Link_Search';
import SEARCH_PLACEHOLDER from '@salesforce/label/c.Jira_Link_Search_Placeholder';
import RESULTS from '@salesforce/label/c.Jira_Link_Results';
import NO_RESULTS from '@salesforce/label/c.Jira_Link_No_Results';
import ISSUE_KEY from '@salesforce/label/c.Jira_Issue_Key';
import ISSUE_KEY_HELP from '@salesforce/label/c.Jira_Issue_Key_Help';
import ISSUE_KEY_INVALID from '@salesforce/label/c.Jira_Issue_Key_Invalid';
import LINK from '@salesforce/label/c.Jira_Link_Button';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';
import LINKED from '@salesforce/label/c.Jira_Link_Success';
import FAILED from '@salesforce/label/c.Jira_Link_Failed';

const SEARCH_DELAY_MS = 300;
const MIN_QUERY_LENGTH = 2;
/** Jira issue keys: project key, dash, number (case-insensitive as typed). */
const ISSUE_KEY_PATTERN = '[A-Za-z][A-Za-z0-9_]*-[0-9]+';

/**
 * Links an existing Jira issue to the record: search by text (through the template's
 * connection) and pick a result, or type the exact key.
 */
export default class JiraLinkIssue extends LightningElement {
  /** The record to link. */
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
    SEARCH,
    SEARCH_PLACEHOLDER,
    RESULTS,
    NO_RESULTS,
    ISSUE_KEY,
    ISSUE_KEY_HELP,
    ISSUE_KEY_INVALID,
    LINK,
    CANCEL,
    LOADING,
    FAILED,
  };
  issueKeyPattern = ISSUE_KEY_PATTERN;

  templateId;
  connection;
  query = '';
  results = [];
  searched = false;
  issueKey = '';
  isSearching = false;
  isLinking = false;
  errors;

  runSearch = debounce(() => this.search(), SEARCH_DELAY_MS);

  connectedCallback() {
    this.templateId =
      this.defaultTemplateId ||
      (this.templates && this.templates.length === 1 ? this.templates[0].value : undefined);
  }

  disconnectedCallback() {
    this.runSearch.cancel();
  }

  /** The template's connection decides where to search and link (cached by LDS). */
  @wire(getRecord, { recordId: '$templateId', fields: [CONNECTION_FIELD] })
  wiredTemplate({ data, error }) {
    if (data) {
      this.connection = getFieldValue(data, CONNECTION_FIELD);
    } else if (error) {
      this.connection = undefined;
      this.errors = error;
    }
  }

  get hasTemplates() {
    return Boolean(this.templates && this.templates.length);
  }

  get searchDisabled() {
    return !this.connection || this.isLinking;
  }

  get resultOptions() {
    return this.results.map((issue) => ({
      value: issue.key,
      label: issue.summary ? `${issue.key} — ${issue.summary}` : issue.key,
    }));
  }

  get hasResults() {
    return this.results.length > 0;
  }

  get showNoResults() {
    return this.searched && !this.isSearching && !this.hasResults;
  }

  get linkDisabled() {
    return !this.templateId || !this.issueKey || this.isLinking;
  }

  get isBusy() {
    return this.isLinking;
  }

  handleTemplateChange(event) {
    this.templateId = event.detail.value;
    this.results = [];
    this.searched = false;
  }

  handleQueryChange(event) {
    this.query = event.detail.value || '';
    if (this.query.trim().length < MIN_QUERY_LENGTH) {
      this.runSearch.cancel();
      this.results = [];
      this.searched = false;
      return;
    }
    this.runSearch();
  }

  async search() {
    if (!this.connection) {
      return;
    }
    this.isSearching = true;
    this.errors = undefined;
    try {
      this.results =
        (await searchIssues({
          recordId: this.recordId,
          connection: this.connection,
          query: this.query.trim(),
        })) || [];
    } catch (error) {
      this.results = [];
      this.errors = error;
    } finally {
      this.searched = true;
      this.isSearching = false;
    }
  }

  handleResultChange(event) {
    this.issueKey = event.detail.value;
  }

  handleKeyChange(event) {
    this.issueKey = (event.detail.value || '').trim().toUpperCase();
  }

  async handleLink() {
    const keyInput = this.template.querySelector('lightning-input.issue-key');
    if (keyInput && keyInput.reportValidity() === false) {
      return;
    }
    this.isLinking = true;
    this.errors = undefined;
    try {
      const issue = await linkIssue({
        recordId: this.recordId,
        issueKey: this.issueKey,
        connection: this.connection,
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
