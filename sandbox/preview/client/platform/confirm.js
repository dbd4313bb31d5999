/** Stand-in for `lightning/confirm`: the browser's own confirmation dialog. */
export default class LightningConfirm {
  static open({ message, label } = {}) {
    // eslint-disable-next-line no-alert
    return Promise.resolve(window.confirm([label, message].filter(Boolean).join('\n\n')));
  }
}
