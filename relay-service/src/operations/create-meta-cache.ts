import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { createMetaFields, createMetaIssueTypes } from '../jira/endpoints/createmeta';
import type { JiraClient } from '../jira/jira-client';
import type { JiraFieldMeta, JiraIssueTypeRef } from '../jira/endpoints/createmeta-answers';
import { resolveIssueType } from '../templates/issue-type';
import type { IssueTypeCreateMeta } from '../templates/render-template';

/**
 * Create metadata changes rarely (an admin edits a screen), yet every create needs it; asking
 * Jira twice per create would triple the calls. It is kept per connection + project (issue
 * types) and per connection + project + issue type (fields) for a short time, and dropped as
 * soon as Jira refuses a create with a 400 about fields — the sign a screen changed.
 */

export interface CreateMetaCacheOptions {
  /** How long fetched metadata is used; 10 minutes unless configured. */
  ttlMs: number;
  /** Bound on entries kept, so many tenants cannot grow memory without limit. */
  maxEntries: number;
}

const DEFAULTS: CreateMetaCacheOptions = { ttlMs: 10 * 60 * 1000, maxEntries: 2_000 };

export interface ResolvedCreateMeta extends IssueTypeCreateMeta {
  issueType: JiraIssueTypeRef;
}

interface Entry<T> {
  expiresAt: number;
  /** Shared by concurrent callers, so a double click or a bulk call loads once. */
  value: Promise<T>;
}

const SEP = '\u0000';

export class CreateMetaCache {
  private readonly options: CreateMetaCacheOptions;
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(
    private readonly clock: Clock,
    options: Partial<CreateMetaCacheOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * The issue type the template names (by id or name) and its create fields. Throws
   * TEMPLATE_INVALID naming `issueType` when the project has no such type.
   */
  async resolve(
    client: JiraClient,
    projectKey: string,
    issueType: string,
  ): Promise<ResolvedCreateMeta> {
    const base = [client.orgId, client.connectionName, projectKey.toUpperCase()];
    const types = await this.load([...base, '#types'], () =>
      createMetaIssueTypes(client, projectKey),
    );
    const type = resolveIssueType(types, issueType);
    if (!type) {
      const offered = types.map((t) => `${t.name} (${t.id})`).join(', ') || 'none';
      throw new AppError(
        'TEMPLATE_INVALID',
        `Project ${projectKey} has no issue type "${issueType}" that this connection can create. Available: ${offered}.`,
        {
          fieldErrors: [
            { field: 'template.issueType', message: `not an issue type of project ${projectKey}` },
          ],
        },
      );
    }
    const fields = await this.load([...base, type.id], () =>
      createMetaFields(client, projectKey, type.id),
    );
    return { issueType: type, issueTypeId: type.id, fields };
  }

  /** Forgets a project's metadata (after Jira refused a create about its fields). */
  invalidate(client: Pick<JiraClient, 'orgId' | 'connectionName'>, projectKey: string): void {
    const prefix = [client.orgId, client.connectionName, projectKey.toUpperCase(), ''].join(SEP);
    for (const key of [...this.entries.keys()])
      if (key.startsWith(prefix)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private async load<T extends readonly (JiraFieldMeta | JiraIssueTypeRef)[]>(
    parts: string[],
    fetch: () => Promise<T>,
  ): Promise<T> {
    const key = parts.join(SEP);
    const now = this.clock.now();
    const cached = this.entries.get(key) as Entry<T> | undefined;
    if (cached && cached.expiresAt > now) return cached.value;

    const value = fetch();
    const entry: Entry<T> = { expiresAt: now + this.options.ttlMs, value };
    this.entries.set(key, entry);
    this.evictOverflow();
    // A failed load is not cached: the next call asks Jira again.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  private evictOverflow(): void {
    // Maps iterate in insertion order, so the first keys are the oldest loads.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) return;
      this.entries.delete(key);
    }
  }
}
