import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../../../paths';

/** Where every screenshot of a run goes (git-ignored; CI keeps it as an artifact). */
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results/sandbox');

/** Saves numbered screenshots, so the folder reads in the order the test went. */
export class Screenshots {
  private count = 0;

  constructor(private readonly dir = RESULTS_DIR) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  async take(page: Page, name: string): Promise<void> {
    this.count += 1;
    const file = path.join(this.dir, `${String(this.count).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
  }
}

/** Every error the browser reports: console errors, uncaught exceptions, failed requests. */
export class BrowserErrors {
  readonly errors: string[] = [];

  watch(context: BrowserContext): void {
    const attach = (page: Page) => {
      page.on('console', (message) => {
        if (message.type() === 'error')
          this.errors.push(`console: ${message.text()} (${page.url()})`);
      });
      page.on('pageerror', (error) =>
        this.errors.push(`uncaught: ${error.message} (${page.url()})`),
      );
      page.on('requestfailed', (request) => {
        // A navigation the test itself replaced is not a failure of the page.
        if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
        this.errors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
      });
    };
    context.pages().forEach(attach);
    context.on('page', attach);
  }
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  const violations = await page.evaluate(async () => {
    interface AxeResult {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: unknown[] }[];
      }[];
    }
    const scope = globalThis as unknown as {
      axe: { run(context: unknown, options: object): Promise<AxeResult> };
      document: unknown;
    };
    const result = await scope.axe.run(scope.document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
  return violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
}

/** The element that has focus, looking through shadow roots: its accessible text, for keyboard tests. */
export async function focusedElement(
  page: Page,
): Promise<{ tag: string; label: string; text: string }> {
  return page.evaluate(() => {
    interface FocusNode {
      tagName: string;
      textContent: string | null;
      shadowRoot: { activeElement: FocusNode | null } | null;
      getAttribute(name: string): string | null;
    }
    const { document } = globalThis as unknown as { document: { activeElement: FocusNode | null } };
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return {
      tag: element?.tagName.toLowerCase() ?? '',
      label: element?.getAttribute('aria-label') ?? element?.getAttribute('title') ?? '',
      text: (element?.textContent ?? '').trim(),
    };
  });
}

/** Presses Tab until the focused element matches, at most `limit` times. */
export async function tabTo(
  page: Page,
  matches: (focused: { tag: string; label: string; text: string }) => boolean,
  limit = 60,
): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (matches(await focusedElement(page))) return;
  }
  throw new Error(`nothing matching was reached within ${limit} tabs`);
}
