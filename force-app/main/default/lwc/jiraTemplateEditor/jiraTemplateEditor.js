import { LightningElement } from 'lwc';
import getTemplates from '@salesforce/apex/JiraTemplateEditorController.getTemplates';
import getTemplate from '@salesforce/apex/JiraTemplateEditorController.getTemplate';
import TITLE from '@salesforce/label/c.Jira_Editor_Title';
import NEW from '@salesforce/label/c.Jira_Editor_New';
import CHOOSE from '@salesforce/label/c.Jira_Editor_Choose';
import FAILED from '@salesforce/label/c.Jira_Editor_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';

/**
 * The template editor tab (admins): the list of rule templates beside (on narrow screens
 * above) the form of the one being edited. It reads the list and the chosen template; the
 * form saves and deletes, and the list is read again after either.
 */
export default class JiraTemplateEditor extends LightningElement {
  labels = { TITLE, NEW, CHOOSE, FAILED, LOADING };

  templates = [];
  templatesLoaded = false;
  /** The template in the form (JiraTemplateDto), {} for a new one, undefined for none. */
  editing;
  selectedId;
  isLoading = false;
  errors;

  connectedCallback() {
    this.loadTemplates();
  }

  get isEditing() {
    return this.editing !== undefined;
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

  handleNew() {
    this.selectedId = undefined;
    this.editing = {};
  }

  async handleSelect(event) {
    const { templateId } = event.detail;
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.editing = await getTemplate({ templateId });
      this.selectedId = templateId;
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
    }
  }

  handleSaved(event) {
    this.selectedId = event.detail.templateId;
    this.loadTemplates();
  }

  handleDeleted() {
    this.selectedId = undefined;
    this.editing = undefined;
    this.loadTemplates();
  }
}
