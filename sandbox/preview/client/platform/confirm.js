/** Stand-in for `lightning/confirm`: the browser's own confirmation dialog. */
export default class LightningConfirm {
  static open({ message, label } = {}) {
    return Promise.resolve(window.confirm([label, message].filter(Boolean).join('\n\n')));
  }
}
