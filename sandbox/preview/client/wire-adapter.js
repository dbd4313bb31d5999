/**
 * The wire adapter protocol LWC drives (connect, update with the config, disconnect), shared
 * by the stand-ins for Apex and Lightning Data Service. A subclass's `request(config)` gives
 * the promise of the data, or null while the config cannot be asked for yet; only the answer
 * to the latest config reaches the component.
 */
export class WireAdapter {
  constructor(dataCallback) {
    this.dataCallback = dataCallback;
    this.connected = false;
    this.config = undefined;
    this.version = 0;
  }

  connect() {
    this.connected = true;
    this.load();
  }

  disconnect() {
    this.connected = false;
  }

  update(config) {
    this.config = config;
    this.load();
  }

  load() {
    const version = ++this.version;
    const request = this.connected && this.config ? this.request(this.config) : null;
    if (!request) {
      return;
    }
    request.then(
      (data) => version === this.version && this.dataCallback({ data, error: undefined }),
      (error) => version === this.version && this.dataCallback({ data: undefined, error }),
    );
  }
}

/** A read of the sandbox's UI API double; it rejects with `{ status, body }`, as LDS does. */
export async function uiApiGet(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) {
    throw { status: response.status, body };
  }
  return body;
}
