import { z } from 'zod'
import { secretRefObject } from './secret-ref-schema.js'
import { httpsOrLoopbackUrl } from './url-schema.js'

// Slack ids, by their documented prefixes: a channel *name* or a user's handle in a rule
// would silently never match, so the shape is checked here.
const slackId = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^[${prefix}][A-Z0-9]{1,31}$`), `must be a Slack ${what} id (${prefix.split('').join(' or ')}…), not a name`)

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'an empty list can never match: remove it').max(100_000)

export const teamIdSchema = slackId('T', 'workspace')
export const enterpriseIdSchema = slackId('E', 'enterprise')
export const channelIdSchema = slackId('CGD', 'channel')
export const userIdSchema = slackId('UW', 'user')
export const userGroupIdSchema = slackId('S', 'user group')
export const subjectSchema = z.string().min(1).max(1024)
export const scopeSchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'a scope has no spaces')

export const ruleNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (at most 64)')

/**
 * One way in: every list it gives must match (a list it leaves out matches anything).
 * `users` and `userGroups` together match any listed user or any member of a listed group.
 */
export const ruleSchema = z.strictObject({
  name: ruleNameSchema,
  workspaces: list(teamIdSchema).optional(),
  enterprises: list(enterpriseIdSchema).optional(),
  channels: list(channelIdSchema).optional(),
  /** DMs and group DMs: refused unless allowed here (a `channels` list does not apply to them). */
  allowDirectMessages: z.boolean().default(false),
  /** Slack Connect: channels shared with other organisations, and users from other workspaces. */
  allowSharedChannels: z.boolean().default(false),
  users: list(userIdSchema).optional(),
  userGroups: list(userGroupIdSchema).optional(),
  /** Workflow endpoints only: the token's `sub`. */
  subjects: list(subjectSchema).optional(),
  /** Workflow endpoints only: scopes the token must hold, on top of the endpoint's own. */
  scopes: list(scopeSchema).optional(),
})

/** Matches that refuse a request whatever the rules say. */
export const denySchema = z
  .strictObject({
    workspaces: list(teamIdSchema).optional(),
    enterprises: list(enterpriseIdSchema).optional(),
    channels: list(channelIdSchema).optional(),
    users: list(userIdSchema).optional(),
    userGroups: list(userGroupIdSchema).optional(),
    subjects: list(subjectSchema).optional(),
  })
  .refine((d) => Object.values(d).some((v) => v !== undefined), 'an empty deny list: remove it or list something')

export const accessSchema = z.strictObject({
  /** Any one rule lets a request in. */
  rules: z.array(ruleSchema).min(1).max(10_000),
  deny: denySchema.optional(),
  /** Who a refused person in Slack should ask; overrides `policy.adminContact`. */
  adminContact: z.string().min(1).max(500).optional(),
})

export type RuleConfig = z.output<typeof ruleSchema>
export type DenyConfig = z.output<typeof denySchema>
export type AccessConfig = z.output<typeof accessSchema>

export const DEFAULT_ADMIN_CONTACT = 'your Slack admin'

/** Settings for every route's policy. */
export const policySchema = z
  .strictObject({
    /** Named in the message a refused person sees: a channel, a team or a person. */
    adminContact: z.string().min(1).max(500).default(DEFAULT_ADMIN_CONTACT),
  })
  .prefault({})

/** Where user group membership comes from: a static map, or Slack itself. */
export const directorySchema = z
  .strictObject({
    userGroups: z.record(userGroupIdSchema, z.array(userIdSchema).max(100_000)).optional(),
    slack: z
      .strictObject({
        /** A bot token with `usergroups:read`, by reference. */
        botToken: secretRefObject({}),
        /** Slack's Web API; another base URL only for tests or a proxy. */
        apiUrl: httpsOrLoopbackUrl('the Slack API URL (the bot token is sent there)').default('https://slack.com/api'),
        /** For an org-level token: the workspace whose groups are read. */
        teamId: teamIdSchema.optional(),
        /** A membership older than this is refreshed in the background (and still used). */
        ttlSeconds: z.number().int().min(10).max(86_400).default(300),
        /** A membership older than this is not used: a lookup must reach Slack, or deny. */
        maxStaleSeconds: z.number().int().min(10).max(7 * 86_400).default(3600),
        /** How long a request waits for Slack on a cache miss before it is denied. */
        lookupTimeoutMs: z.number().int().min(50).max(2500).default(1000),
      })
      .optional(),
  })
  .refine((d) => (d.userGroups === undefined) !== (d.slack === undefined), 'give userGroups (a static map) or slack (live), exactly one')
  .refine((d) => d.slack === undefined || d.slack.maxStaleSeconds >= d.slack.ttlSeconds, {
    message: 'must be at least ttlSeconds',
    path: ['slack', 'maxStaleSeconds'],
  })

export type DirectorySettings = z.output<typeof directorySchema>
