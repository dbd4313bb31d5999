/**
 * Stand-in for `lightning/uiObjectInfoApi`: `getObjectInfo` and `getPicklistValues` answer
 * from the package's object metadata through the sandbox's UI API double.
 */
class UiApiAdapter {
  constructor(dataCallback) {
    this.dataCallback = dataCallback;
    this.connected = false;
    this.config = undefined;
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

  async load() {
    const config = this.config;
    const path = config && this.path(config);
    if (!this.connected || !path) {
      return;
    }
    const response = await fetch(path);
    const body = await response.json();
    if (config !== this.config) {
      return;
    }
    this.dataCallback(
      response.ok
        ? { data: body, error: undefined }
        : { data: undefined, error: { status: response.status, body } },
    );
  }
}

function objectName(objectApiName) {
  return typeof objectApiName === 'string'
    ? objectApiName
    : objectApiName && objectApiName.objectApiName;
}

export class getObjectInfo extends UiApiAdapter {
  path(config) {
    const name = objectName(config.objectApiName);
    return name ? `/ui-api/object-info/${encodeURIComponent(name)}` : null;
  }
}

export class getPicklistValues extends UiApiAdapter {
  path(config) {
    const field = config.fieldApiName;
    if (!config.recordTypeId || !field) {
      return null;
    }
    const [object, name] =
      typeof field === 'string' ? field.split('.') : [field.objectApiName, field.fieldApiName];
    return `/ui-api/object-info/${encodeURIComponent(object)}/picklist-values/${encodeURIComponent(config.recordTypeId)}/${encodeURIComponent(name)}`;
  }
}
