// Public library API: re-exports only. Whatever is not exported here is internal.
export { verifySlackSignature, signSlackRequest, SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, DEFAULT_TOLERANCE_SECONDS } from './verify/slack-signature.js'
export type { SlackSignatureInput, SlackVerifyOptions, SlackVerifyResult } from './verify/slack-signature.js'
export { createSigningSecret } from './verify/signing-secret.js'
export type { SigningSecret, SigningSecretOptions } from './verify/signing-secret.js'
export { VERIFY_CODES, SigningSecretError } from './verify/errors.js'
export type { VerifyCode } from './verify/errors.js'
export type { HeaderValue } from './verify/header-value.js'
export { DEFAULT_BODY_LIMIT } from './verify/verifier-options.js'
export type { SlackVerifierOptions, SlackVerification } from './verify/verifier-options.js'
export { slackVerification } from './verify/fastify-plugin.js'
export { slackVerificationMiddleware } from './verify/express-middleware.js'
export type { SlackVerifiedRequest } from './verify/express-middleware.js'
export { createSlackSignatureVerifier } from './verify/slack-signature-verifier.js'
export type { SlackSignatureCheck } from './verify/slack-signature-verifier.js'
export { createSlackRequestVerifier } from './verify/web-handler.js'
export { decodeSlackRequest } from './slack/decode.js'
export type { DecodeResult } from './slack/decode.js'
export { DECODE_CODES } from './slack/errors.js'
export type { DecodeCode } from './slack/errors.js'
export type * from './slack/slack-request.js'
export { buildApp } from './http/app.js'
export type { AppOptions } from './http/app.js'
export { HTTP_CODES } from './http/errors.js'
export { loadConfig } from './config/load.js'
export type { GatewayConfig, LoadConfigOptions } from './config/load.js'
export { ConfigError, CONFIG_CODES } from './config/errors.js'
export { defineHandlers, PermanentError } from './dispatch/sdk.js'
export type {
  Gateway as HandlerGateway,
  Handler,
  HandlerContext,
  HandlerModule,
  ResponseMessage,
  AckContext,
  AckHandler,
  Registration,
  ViewAnswer,
  OptionsAnswer,
  SelectOption,
  CommandAnswer,
  ActionConstraint,
  ViewConstraint,
  MessageConstraint,
} from './dispatch/sdk.js'
export type { BoltNames } from './dispatch/bolt-names.js'
export { ACK_CODES } from './ack/errors.js'
export type { AckCode } from './ack/errors.js'
export type { SayMessage } from './dispatch/handler-context.js'
export type { Installations } from './slack-api/slack-access.js'
export { SLACK_API_CODES, SlackApiError } from './slack-api/errors.js'
export type { SlackApiCode } from './slack-api/errors.js'
export type { ForwardedRequest } from './dispatch/http-forward.js'
export type { NonceStore, ClaimResult } from './replay/nonce-store.js'
export type { JobQueue, EnqueueResult, JobHandler, JobConsumer } from './dispatch/job-queue.js'
export type { Job, NewJob, JobInfo, JobState, DeliveryOutcome } from './dispatch/job.js'
export type { InboundRequest, WorkflowCall } from './workflow/workflow-call.js'
export { verifyGatewayToken, GatewayTokenError } from './verify/gateway-token.js'
export type { VerifyGatewayTokenOptions, GatewayTokenInput, GatewayTokenClaims, GatewayTokenCode } from './verify/gateway-token.js'
export { createJwtVerifier, JWT_ALGORITHMS } from './verify/jwt-bearer.js'
export type { JwtVerifier, JwtVerifierOptions, JwtVerdict, JwtIdentity, JwtAlgorithm, RemoteKeySetOptions } from './verify/jwt-bearer.js'
export { JWT_CODES } from './verify/jwt-errors.js'
export type { JwtCode } from './verify/jwt-errors.js'
export { TLS_CODES } from './verify/tls-errors.js'
export type { TlsCode } from './verify/tls-errors.js'
export type { HookRequest } from './hooks/hook-request.js'
export { verifyHookSignature } from './verify/hook-signature.js'
export type { HookSecret, HookSignatureInput, HookVerifyOptions, HookVerifyResult } from './verify/hook-signature.js'
export { PRESETS as HOOK_PRESETS, genericScheme } from './verify/hook-schemes.js'
export type { HookScheme, HookPreset, GenericSchemeOptions, HookAlgorithm } from './verify/hook-schemes.js'
