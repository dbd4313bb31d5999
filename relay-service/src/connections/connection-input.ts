import { z } from 'zod';

/** Connection names appear in URLs and vault references: keep them plain. */
export const connectionNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/,
    'expected 1–80 characters of A-Z a-z 0-9 _ -, starting with a letter or digit',
  );

const secret = z.string().min(1).max(8192);
const expiresAt = z.iso.datetime({ offset: true }).optional();

/** PUT /v1/connections/{name} (relay-contract.md, "Payloads"). */
export const putConnectionBody = z
  .strictObject({
    deployment: z.enum(['cloud', 'server']),
    baseUrl: z.string().max(2048),
    auth: z.discriminatedUnion('method', [
      z.strictObject({
        method: z.literal('api_token'),
        email: z.string().trim().min(3).max(320),
        token: secret,
        /** When the admin set the token to expire; the connection warns before it lapses. */
        expiresAt,
      }),
      z.strictObject({ method: z.literal('pat'), token: secret, expiresAt }),
      z.strictObject({
        method: z.literal('basic'),
        username: z.string().min(1).max(255),
        password: secret,
      }),
    ]),
  })
  .superRefine((body, ctx) => {
    if (body.auth.method === 'api_token' && body.deployment === 'server') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'method'],
        message:
          'API tokens only work on Jira Cloud; use a personal access token (pat) for Server/Data Center',
      });
    }
    if (body.auth.method === 'basic' && body.deployment === 'cloud') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'method'],
        message: 'Jira Cloud does not accept passwords; use an API token or OAuth',
      });
    }
  });

export type PutConnectionInput = z.output<typeof putConnectionBody>;

export const oauthStartBody = z
  .strictObject({
    returnUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
      .max(2048)
      .optional(),
  })
  .optional();

/** PATCH /v1/connections/{name}: settings only, never credentials. */
export const connectionSettingsBody = z
  .strictObject({
    /** Whether people may comment on issues linked without a template. */
    allowCommentsWithoutTemplate: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'expected at least one setting');

export type ConnectionSettingsInput = z.output<typeof connectionSettingsBody>;
