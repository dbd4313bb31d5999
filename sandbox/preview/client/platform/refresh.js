/** Stand-in for `lightning/refresh`: the sandbox page has no other views to refresh. */
export class RefreshEvent extends CustomEvent {
  constructor() {
    super('lightning__refreshevent', { bubbles: true, composed: true });
  }
}
