import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import register from '@salesforce/apex/JiraSetupController.register';
import TITLE from '@salesforce/label/c.Jira_Setup_Register_Title';
import INTRO from '@salesforce/label/c.Jira_Setup_Register_Intro';
import CODE from '@salesforce/label/c.Jira_Setup_Register_Code';
import CODE_HELP from '@salesforce/label/c.Jira_Setup_Register_Code_Help';
import CODE_REQUIRED from '@salesforce/label/c.Jira_Error_Registration_Code_Required';
import REGISTER from '@salesforce/label/c.Jira_Setup_Register_Button';
import REGISTERED from '@salesforce/label/c.Jira_Setup_Register_Success';
import FAILED from '@salesforce/label/c.Jira_Setup_Register_Failed';
import ORG_ID from '@salesforce/label/c.Jira_Setup_Register_Org_Id';
import LOADING from '@salesforce/label/c.Jira_Loading';
import { formatLabel } from 'c/jiraUtils';

/**
 * Registers the org with the relay using the operator's one-time code. The code is read from
 * the input when the admin submits and cleared right after the call; the tenant secret the
 * relay answers with stays in Apex (protected custom setting) and never reaches the browser.
 */
export default class JiraSetupRegistration extends LightningElement {
  /** This org's 18-character id: the relay operator makes the code for exactly this org. */
  @api orgId;

  labels = { TITLE, INTRO, CODE, CODE_HELP, CODE_REQUIRED, REGISTER, FAILED, LOADING };

  isSaving = false;
  errors;

  get orgIdText() {
    return this.orgId ? formatLabel(ORG_ID, this.orgId) : '';
  }

  get codeInput() {
    return this.template.querySelector('lightning-input.code');
  }

  async handleRegister() {
    const input = this.codeInput;
    const registrationCode = (input.value || '').trim();
    if (!registrationCode) {
      input.setCustomValidity(CODE_REQUIRED);
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    this.isSaving = true;
    this.errors = undefined;
    try {
      const status = await register({ registrationCode });
      this.dispatchEvent(new ShowToastEvent({ title: REGISTERED, variant: 'success' }));
      this.dispatchEvent(new CustomEvent('registered', { detail: { status } }));
    } catch (error) {
      this.errors = error;
    } finally {
      // A used or failed code is worthless to keep; never hold it in component state.
      input.value = '';
      this.isSaving = false;
    }
  }
}
