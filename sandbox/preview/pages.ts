import type { SandboxOrg } from '../org/org';

/**
 * The four preview pages, laid out like the Lightning pages that host the components: the
 * app's navigation bar, then a Case record page (highlights, details, jiraActions in the right
 * column) or an app page with one full-width region (jiraSetup, jiraTemplateEditor,
 * jiraAuditLog). Everything but the component is static SLDS markup.
 */

export interface PreviewPage {
  path: string;
  /** The tab's label in the app's navigation bar. */
  tab: string;
  title: string;
}

export const PAGES = {
  case: { path: '/case', tab: 'Cases', title: 'Case' },
  setup: { path: '/setup', tab: 'Jira Setup', title: 'Jira Setup' },
  templates: { path: '/templates', tab: 'Jira Templates', title: 'Jira Templates' },
  audit: { path: '/audit-log', tab: 'Jira Audit Log', title: 'Jira Audit Log' },
} satisfies Record<string, PreviewPage>;

export type PageName = keyof typeof PAGES;

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function icon(sprite: 'standard' | 'utility', name: string, classes: string): string {
  return `<svg class="${classes}" aria-hidden="true"><use href="/slds/icons/${sprite}-sprite/svg/symbols.svg#${name}"></use></svg>`;
}

function navigation(current: PageName): string {
  const items = (Object.entries(PAGES) as [PageName, PreviewPage][])
    .map(([name, page]) => {
      const active = name === current;
      return `<li class="slds-context-bar__item${active ? ' slds-is-active' : ''}">
  <a href="${page.path}" class="slds-context-bar__label-action"${active ? ' aria-current="page"' : ''}>
    <span class="slds-truncate">${escapeHtml(page.tab)}</span></a></li>`;
    })
    .join('\n');
  return `<div class="slds-context-bar">
  <div class="slds-context-bar__primary">
    <div class="slds-context-bar__item slds-no-hover">
      <span class="slds-context-bar__label-action slds-context-bar__app-name">
        <span class="slds-truncate">Pharos Jira</span></span>
    </div>
  </div>
  <nav class="slds-context-bar__secondary" aria-label="Pharos Jira">
    <ul class="slds-grid">${items}</ul>
  </nav>
</div>`;
}

function component(tag: string, attributes: Record<string, unknown> = {}): string {
  return `<div id="component" data-component="${tag}" data-attributes="${escapeHtml(JSON.stringify(attributes))}"></div>`;
}

function casePage(org: SandboxOrg, caseId: string): string {
  const record = org.get(caseId) ?? { Id: caseId };
  const account = org.get(record.AccountId as string | undefined);
  const contact = org.get(record.ContactId as string | undefined);
  const owner = org.get(record.OwnerId as string | undefined);
  const highlight = (label: string, value: unknown) => `<li class="slds-page-header__detail-block">
  <div class="slds-text-title slds-truncate">${escapeHtml(label)}</div>
  <div class="slds-truncate">${escapeHtml(value)}</div></li>`;
  const detail = (
    label: string,
    value: unknown,
  ) => `<div class="slds-col slds-size_1-of-1 slds-medium-size_1-of-2">
  <dl class="slds-form-element slds-form-element_readonly slds-form-element_stacked">
    <dt class="slds-form-element__label">${escapeHtml(label)}</dt>
    <dd class="slds-form-element__control"><div class="slds-form-element__static">${escapeHtml(value)}</div></dd>
  </dl></div>`;
  return `<div class="slds-page-header slds-page-header_record-home">
  <div class="slds-page-header__row">
    <div class="slds-page-header__col-title">
      <div class="slds-media">
        <div class="slds-media__figure">
          <span class="slds-icon_container slds-icon-standard-case">${icon('standard', 'case', 'slds-icon slds-page-header__icon')}</span>
        </div>
        <div class="slds-media__body">
          <div class="slds-page-header__name-title">
            <h1><span>Case</span>
              <span class="slds-page-header__title slds-truncate">${escapeHtml(record.CaseNumber)} — ${escapeHtml(record.Subject)}</span></h1>
          </div>
        </div>
      </div>
    </div>
  </div>
  <div class="slds-page-header__row slds-page-header__row_gutters">
    <div class="slds-page-header__col-details">
      <ul class="slds-page-header__detail-row">
        ${highlight('Priority', record.Priority)}
        ${highlight('Status', record.Status)}
        ${highlight('Account Name', account?.Name)}
        ${highlight('Contact Name', contact?.Name)}
        ${highlight('Case Owner', owner?.Name)}
      </ul>
    </div>
  </div>
</div>
<div class="slds-grid slds-wrap slds-gutters_small slds-m-top_small">
  <div class="slds-col slds-size_1-of-1 slds-large-size_7-of-12">
    <article class="slds-card" aria-labelledby="details-title">
      <div class="slds-card__header slds-grid">
        <h2 id="details-title" class="slds-card__header-title">Details</h2>
      </div>
      <div class="slds-card__body slds-card__body_inner">
        <div class="slds-grid slds-wrap slds-gutters_small">
          ${detail('Case Number', record.CaseNumber)}
          ${detail('Case Origin', record.Origin)}
          ${detail('Subject', record.Subject)}
          ${detail('Priority', record.Priority)}
          ${detail('Account Name', account?.Name)}
          ${detail('Status', record.Status)}
          <div class="slds-col slds-size_1-of-1">
            <dl class="slds-form-element slds-form-element_readonly slds-form-element_stacked">
              <dt class="slds-form-element__label">Description</dt>
              <dd class="slds-form-element__control"><div class="slds-form-element__static slds-text-longform">${escapeHtml(record.Description)}</div></dd>
            </dl>
          </div>
        </div>
      </div>
    </article>
  </div>
  <aside class="slds-col slds-size_1-of-1 slds-large-size_5-of-12" aria-label="Jira">
    ${component('c-jira-actions', { recordId: caseId, objectApiName: 'Case' })}
  </aside>
</div>`;
}

const APP_PAGE_COMPONENTS: Record<Exclude<PageName, 'case'>, string> = {
  setup: 'c-jira-setup',
  templates: 'c-jira-template-editor',
  audit: 'c-jira-audit-log',
};

/** One preview page as HTML. */
export function renderPage(name: PageName, org: SandboxOrg, caseId: string): string {
  const page: PreviewPage = PAGES[name];
  const body =
    name === 'case'
      ? casePage(org, caseId)
      : `<h1 class="slds-assistive-text">${escapeHtml(page.title)}</h1>${component(APP_PAGE_COMPONENTS[name])}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} | Pharos Jira sandbox</title>
<link rel="stylesheet" href="/slds/styles/salesforce-lightning-design-system.min.css">
<style>
  body { background: #b0c4df; min-height: 100vh; }
  /* Lightning pads a card's inner body; this SLDS release leaves that to its card wrapper. */
  .slds-card__body_inner { padding-left: var(--slds-c-card-body-spacing-inline-start, 1rem); padding-right: var(--slds-c-card-body-spacing-inline-end, 1rem); }
  .sandbox-page { padding: 0.75rem; }
  .sandbox-toasts { position: fixed; top: 3.5rem; left: 0; right: 0; z-index: 9000; display: flex; flex-direction: column; align-items: center; pointer-events: none; }
  .sandbox-toasts .slds-notify_toast { pointer-events: auto; min-width: 30rem; }
</style>
</head>
<body class="slds-scope">
<header>${navigation(name)}</header>
<main class="sandbox-page">${body}</main>
<div id="toasts" class="sandbox-toasts" aria-live="polite"></div>
<script src="/app.js"></script>
</body>
</html>`;
}

/** The sandbox's start page: one link per screen. */
export function renderIndex(): string {
  const links = (Object.values(PAGES) as PreviewPage[])
    .map((page) => `<li class="slds-item"><a href="${page.path}">${escapeHtml(page.tab)}</a></li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pharos Jira sandbox</title>
<link rel="stylesheet" href="/slds/styles/salesforce-lightning-design-system.min.css"></head>
<body class="slds-scope"><main class="slds-p-around_large"><h1 class="slds-text-heading_large">Pharos Jira sandbox</h1>
<ul class="slds-has-dividers_bottom-space slds-m-top_medium">${links}</ul></main></body></html>`;
}
