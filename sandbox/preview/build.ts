import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import lwc from '@lwc/rollup-plugin';
import replace from '@rollup/plugin-replace';
import { rollup, type Plugin } from 'rollup';
import { customLabels } from '../org/labels';
import { REPO_ROOT } from '../paths';

/**
 * Compiles the real force-app components with the LWC compiler into one browser bundle, as
 * Lightning would serve them: `c/<bundle>` from force-app, `lightning/*` from
 * lightning-base-components, and small stand-ins for what only the platform provides (Apex,
 * custom labels, schema imports, toasts, Lightning Data Service, refresh, confirm, the record
 * picker).
 */

const LWC_DIR = path.join(REPO_ROOT, 'force-app/main/default/lwc');
const CLIENT_DIR = path.join(REPO_ROOT, 'sandbox/preview/client');

/** Platform modules the components import that lightning-base-components does not ship. */
const PLATFORM_STAND_INS: Record<string, string> = {
  'lightning/platformShowToastEvent': 'platform/showToastEvent.js',
  'lightning/uiRecordApi': 'platform/uiRecordApi.js',
  'lightning/uiObjectInfoApi': 'platform/uiObjectInfoApi.js',
  'lightning/refresh': 'platform/refresh.js',
  'lightning/confirm': 'platform/confirm.js',
};

/** Platform components (with a template) that lightning-base-components does not ship. */
const PLATFORM_COMPONENTS = [
  {
    name: 'lightning/recordPicker',
    path: path.join(CLIENT_DIR, 'platform/recordPicker/recordPicker.js'),
  },
];

const VIRTUAL = '\0sandbox:';

/**
 * Feature gates of lightning-base-components that its own stub would open but the platform
 * keeps closed here: combobox element internals need native shadow, and Lightning Experience
 * renders with synthetic shadow (`attachInternals` throws there).
 */
const CLOSED_GATES = new Set(['@salesforce/gate/bc.260.enableComboboxElementInternals']);

/** The SFDX bundles of force-app, as LWC module records (`c/name` → its entry file). */
function componentModules(): { name: string; path: string }[] {
  return readdirSync(LWC_DIR, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && existsSync(path.join(LWC_DIR, entry.name, `${entry.name}.js`)),
    )
    .map((entry) => ({
      name: `c/${entry.name}`,
      path: path.join(LWC_DIR, entry.name, `${entry.name}.js`),
    }));
}

/**
 * Resolves the `@salesforce/*` and platform ids that only Salesforce answers. Gates and
 * labels of lightning-base-components that its package does not stub fall back to a closed
 * gate with its fallback and to the label's key, or the page stays blank.
 */
function platformModules(labels: Map<string, string>): Plugin {
  return {
    name: 'sandbox-platform-modules',
    resolveId(id) {
      if (PLATFORM_STAND_INS[id]) return path.join(CLIENT_DIR, PLATFORM_STAND_INS[id]);
      if (id.startsWith('@salesforce/apex/')) return `${VIRTUAL}${id}`;
      if (id.startsWith('@salesforce/label/c.')) return `${VIRTUAL}${id}`;
      if (id.startsWith('@salesforce/schema/')) return `${VIRTUAL}${id}`;
      if (CLOSED_GATES.has(id)) return `${VIRTUAL}${id}`;
      return null;
    },
    load(id) {
      if (!id.startsWith(VIRTUAL)) return null;
      const ref = id.slice(VIRTUAL.length);
      if (ref.startsWith('@salesforce/apex/')) {
        const [className, methodName] = ref.slice('@salesforce/apex/'.length).split('.');
        const apex = JSON.stringify(path.join(CLIENT_DIR, 'apex.js'));
        return `import { apexMethod } from ${apex};\nexport default apexMethod(${JSON.stringify(className)}, ${JSON.stringify(methodName)});`;
      }
      if (CLOSED_GATES.has(ref)) return 'export default { isOpen: () => false };';
      if (ref.startsWith('@salesforce/label/c.')) {
        const name = ref.slice('@salesforce/label/c.'.length);
        const value = labels.get(name);
        if (value === undefined) this.error(`unknown custom label ${name}`);
        return `export default ${JSON.stringify(value)};`;
      }
      const [objectApiName, ...field] = ref.slice('@salesforce/schema/'.length).split('.');
      return `export default ${JSON.stringify(
        field.length ? { objectApiName, fieldApiName: field.join('.') } : { objectApiName },
      )};`;
    },
  };
}

/** What lightning-base-components imports from the platform and its package does not stub. */
function baseComponentFallbacks(): Plugin {
  return {
    name: 'sandbox-base-component-fallbacks',
    resolveId(id) {
      if (id.startsWith('@salesforce/gate/') || id.startsWith('@salesforce/label/'))
        return `${VIRTUAL}${id}`;
      return null;
    },
    load(id) {
      if (!id.startsWith(VIRTUAL)) return null;
      const ref = id.slice(VIRTUAL.length);
      if (ref.startsWith('@salesforce/gate/'))
        return 'export default { isOpen: (options) => Boolean(options && options.fallback) };';
      if (ref.startsWith('@salesforce/label/'))
        return `export default ${JSON.stringify(ref.slice(ref.lastIndexOf('.') + 1))};`;
      return null;
    },
  };
}

export interface PreviewBundle {
  code: string;
  /** Milliseconds the build took. */
  tookMs: number;
}

/** Builds the preview bundle (one IIFE with every page's root component). */
export async function buildPreview(): Promise<PreviewBundle> {
  const started = Date.now();
  const bundle = await rollup({
    input: path.join(CLIENT_DIR, 'main.js'),
    plugins: [
      platformModules(customLabels()),
      replace({
        preventAssignment: true,
        values: {
          'process.env.NODE_ENV': JSON.stringify('production'),
          'import.meta.env.SSR': 'false',
        },
      }),
      lwc({
        enableDynamicComponents: true,
        modules: [
          ...componentModules(),
          ...PLATFORM_COMPONENTS,
          { npm: 'lightning-base-components' },
        ],
      }),
      baseComponentFallbacks(),
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
      // lightning-base-components' own templates draw compiler warnings; they are not ours.
      if (warning.id?.includes('/node_modules/lightning-base-components/')) return;
      warn(warning);
    },
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', inlineDynamicImports: true });
    return { code: output[0].code, tookMs: Date.now() - started };
  } finally {
    await bundle.close();
  }
}
