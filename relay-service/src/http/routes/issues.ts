import { type Router, type Request } from 'express';
import { relayRouter } from '../router';
import { z } from 'zod';
import { connectionNameSchema } from '../../connections/connection-input';
import { salesforceIdSchema } from '../../lib/salesforce-ids';
import { ISSUE_KEY, normaliseIssueKey } from '../../jira/endpoints/issues';
import { commentBody, commentOnIssue, type CommentDeps } from '../../operations/comment';
import { linkBody, linkIssue } from '../../operations/link';
import { unlinkIssue, unlinkParams } from '../../operations/unlink';
import { MAX_STATUS_KEYS, statusOfIssues } from '../../operations/status';
import {
  transitionBody,
  transitionIssue,
  transitionsOfIssue,
  type TransitionDeps,
} from '../../operations/transition';
import { viewIssue } from '../../operations/view';
import { operationCallerOf } from '../caller';
import { parseInput } from '../validation';

/**
 * Reading and acting on existing issues: view, status of many, link, unlink, comment, transitions.
 * Every `:key` must look like a Jira issue key, so no other word under /v1/issues (such as
 * `bulk`) is ever taken for one, and a key can go into a Jira URL or JQL as it is.
 */

// Jira finds keys in any case; the upper-case form is the one it shows and the audit keeps.
const issueKey = z
  .string()
  .regex(ISSUE_KEY, 'expected a Jira issue key such as SUP-42')
  .transform(normaliseIssueKey);

const keyParams = z.object({ key: issueKey });

const connectionQuery = z.object({ connection: connectionNameSchema });

/** A query value that may be repeated (`a=1&a=2` arrives as an array). */
const repeatable = (item: z.ZodString) => z.union([item, z.array(item)]);

const statusQuery = z.object({
  connection: connectionNameSchema,
  keys: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(issueKey)
        .min(1, 'name at least one issue key')
        .max(MAX_STATUS_KEYS, `at most ${MAX_STATUS_KEYS} keys per request`),
    ),
});

/**
 * The template lives in Salesforce and a GET has no body, so the list takes the template's id
 * (for the audit) and, optionally, the allowed target statuses as repeated `allowed` values.
 * Without `allowed`, every transition Jira offers is listed and the caller narrows it; the POST
 * enforces the template either way.
 */
const transitionsQuery = z.object({
  connection: connectionNameSchema,
  template: salesforceIdSchema('template').optional(),
  allowed: repeatable(z.string().trim().min(1).max(255))
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .pipe(z.array(z.string()).max(100, 'at most 100 statuses'))
    .optional(),
});

/** Routes under /v1/issues for existing issues; mounted behind the signature check. */
export function issueRoutes(deps: CommentDeps & TransitionDeps): Router {
  const router = relayRouter();
  const keyOf = (req: Request) => parseInput(keyParams, req.params, 'path').key;

  router.get('/v1/issues', async (req, res) => {
    const query = parseInput(statusQuery, req.query, 'query');
    res.json(
      await statusOfIssues(deps, operationCallerOf(req), {
        connection: query.connection,
        keys: query.keys,
      }),
    );
  });

  router.get('/v1/issues/:key', async (req, res) => {
    const key = keyOf(req);
    const { connection } = parseInput(connectionQuery, req.query, 'query');
    res.json(await viewIssue(deps, operationCallerOf(req), { connection, key }));
  });

  router.post('/v1/issues/:key/links', async (req, res) => {
    const key = keyOf(req);
    const body = parseInput(linkBody, req.body, 'body');
    res.json(await linkIssue(deps, operationCallerOf(req), key, body));
  });

  router.delete('/v1/issues/:key/links/:recordId', async (req, res) => {
    const key = keyOf(req);
    const { recordId } = parseInput(unlinkParams, req.params, 'path');
    const { connection } = parseInput(connectionQuery, req.query, 'query');
    res.json(await unlinkIssue(deps, operationCallerOf(req), { connection, key, recordId }));
  });

  router.post('/v1/issues/:key/comments', async (req, res) => {
    const key = keyOf(req);
    const body = parseInput(commentBody, req.body, 'body');
    res.status(201).json(await commentOnIssue(deps, operationCallerOf(req), key, body));
  });

  router.get('/v1/issues/:key/transitions', async (req, res) => {
    const key = keyOf(req);
    const query = parseInput(transitionsQuery, req.query, 'query');
    res.json(
      await transitionsOfIssue(deps, operationCallerOf(req), {
        connection: query.connection,
        key,
        templateId: query.template,
        allowed: query.allowed,
      }),
    );
  });

  router.post('/v1/issues/:key/transitions', async (req, res) => {
    const key = keyOf(req);
    const body = parseInput(transitionBody, req.body, 'body');
    res.json(await transitionIssue(deps, operationCallerOf(req), key, body));
  });
  return router;
}
