import { LightningElement, api } from 'lwc';
import TEMPLATES from '@salesforce/label/c.Jira_Editor_Templates';
import NO_TEMPLATES from '@salesforce/label/c.Jira_Editor_No_Templates';
import ACTIVE from '@salesforce/label/c.Jira_Editor_Active';
import INACTIVE from '@salesforce/label/c.Jira_Editor_Inactive';

/**
 * The rule templates as a navigation list: name, active state and where each one sends
 * issues. Picking one sends `select` with its id; the list itself changes nothing.
 */
export default class JiraTemplateList extends LightningElement {
  /** Templates as JiraTemplateEditorController.getTemplates returns them. */
  @api templates = [];
  /** Id of the template being edited, marked as current. */
  @api selectedId;
  /** Whether the templates have been read (an empty list then means there are none). */
  @api loaded = false;

  labels = { TEMPLATES, NO_TEMPLATES };

  get hasTemplates() {
    return Boolean(this.templates && this.templates.length);
  }

  get showEmpty() {
    return this.loaded && !this.hasTemplates;
  }

  get items() {
    return (this.templates || []).map((template) => {
      const current = template.id === this.selectedId;
      return {
        id: template.id,
        name: template.name,
        detail: `${template.objectApiName || ''} → ${template.projectKey || ''} / ${template.issueType || ''}`,
        stateLabel: template.active ? ACTIVE : INACTIVE,
        stateClass: template.active
          ? 'state slds-badge slds-theme_success slds-m-left_x-small'
          : 'state slds-badge slds-m-left_x-small',
        current: current ? 'page' : 'false',
        itemClass: current
          ? 'template-item slds-p-around_x-small slds-theme_shade'
          : 'template-item slds-p-around_x-small',
      };
    });
  }

  handleSelect(event) {
    this.dispatchEvent(
      new CustomEvent('select', { detail: { templateId: event.currentTarget.dataset.id } }),
    );
  }
}
