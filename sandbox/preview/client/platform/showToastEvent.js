/**
 * Stand-in for `lightning/platformShowToastEvent`: the event bubbles out of the component,
 * and the sandbox page shows it as an SLDS toast (see main.js).
 */
export class ShowToastEvent extends CustomEvent {
  constructor(toast) {
    super('lightning__showtoast', { bubbles: true, composed: true, detail: toast });
  }
}
