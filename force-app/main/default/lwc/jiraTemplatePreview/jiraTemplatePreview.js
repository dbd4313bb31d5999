import { LightningElement, api } from 'lwc';
import previewTemplate from '@salesforce/apex/JiraTemplateEditorController.previewTemplate';
import { previewFields } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Template_Preview_Title';
import RECORD_ID from '@salesforce/label/c.Jira_Template_Preview_Record';
import RECORD_ID_HELP from '@salesforce/label/c.Jira_Template_Preview_Record_Help';
import RECORD_ID_INVALID from '@salesforce/label/c.Jira_Template_Preview_Record_Invalid';
import RUN from '@salesforce/label/c.Jira_Template_Preview_Button';
import CLEAN from '@salesforce/label/c.Jira_Template_Preview_Clean';
import FAILED from '@salesforce/label/c.Jira_Template_Preview_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';

/** 15 or 18 character Salesforce id. */
const RECORD_ID_PATTERN = '[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?';

/**
 * Previews a (possibly unsaved) template against a sample record: the exact Jira payload the
 * relay would send and every problem it finds.
 */
export default class JiraTemplatePreview extends LightningElement {
  /** The draft template as JiraTemplateDto (it need not be saved). */
  @api ruleTemplate;

  labels = {
    TITLE,
    RECORD_ID,
    RECORD_ID_HELP,
    RECORD_ID_INVALID,
    RUN,
    CLEAN,
    FAILED,
    LOADING,
  };
  recordIdPattern = RECORD_ID_PATTERN;

  recordId = '';
  fields = [];
  problems = [];
  ran = false;
  isLoading = false;
  errors;

  get hasProblems() {
    return this.problems.length > 0;
  }

  get showClean() {
    return this.ran && !this.hasProblems && !this.errors;
  }

  get runDisabled() {
    return !this.recordId || this.isLoading;
  }

  handleRecordIdChange(event) {
    this.recordId = (event.detail.value || '').trim();
  }

  async handlePreview() {
    const input = this.template.querySelector('lightning-input.record-id');
    if (input.reportValidity() === false) {
      return;
    }
    this.isLoading = true;
    this.errors = undefined;
    this.ran = false;
    try {
      const result = await previewTemplate({
        template: this.ruleTemplate,
        recordId: this.recordId,
      });
      this.fields = previewFields(result && result.payloadJson);
      this.problems = (result && result.problems) || [];
      this.ran = true;
    } catch (error) {
      this.fields = [];
      this.problems = [];
      this.errors = error;
    } finally {
      this.isLoading = false;
    }
  }
}
