/**
 * Stand-in for `lightning/uiObjectInfoApi`: `getObjectInfo` and `getPicklistValues` answer
 * from the package's object metadata through the sandbox's UI API double.
 */
import { uiApiGet, WireAdapter } from '../wire-adapter.js';

/** An adapter whose config names one UI API path (null while it cannot). */
class UiApiAdapter extends WireAdapter {
  request(config) {
    const path = this.path(config);
    return path ? uiApiGet(path) : null;
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
