import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { REPO_ROOT } from '../paths';

const LABELS_FILE = path.join(
  REPO_ROOT,
  'force-app/main/default/labels/CustomLabels.labels-meta.xml',
);

let cached: Map<string, string> | undefined;

/** Every custom label of the package: name → value (`Label.X` in Apex, `c.X` in LWC). */
export function customLabels(): Map<string, string> {
  if (!cached) {
    const parsed = new XMLParser({
      isArray: (name) => name === 'labels',
      parseTagValue: false,
    }).parse(readFileSync(LABELS_FILE, 'utf8')) as {
      CustomLabels: { labels: { fullName: string; value: string }[] };
    };
    cached = new Map(
      parsed.CustomLabels.labels.map((label) => [label.fullName, String(label.value)]),
    );
  }
  return cached;
}

/** One label, with `{0}`, `{1}`… filled in as Apex's String.format does. */
export function label(name: string, ...values: unknown[]): string {
  const text = customLabels().get(name);
  if (text === undefined) throw new Error(`unknown custom label ${name}`);
  return text.replace(/\{(\d+)\}/g, (match, index: string) => {
    const value = values[Number(index)];
    return value === undefined || value === null ? '' : String(value);
  });
}
