// The peer: @slack/bolt's HTTPReceiver with one slash command handler that acks. botId and
// botUserId are set so Bolt does not call auth.test (Slack's servers) on every request.
import bolt from '@slack/bolt'

const app = new bolt.App({
  signingSecret: process.env.SLACK_SIGNING_SECRET as string,
  token: 'xoxb-bench-not-a-real-token',
  botId: 'B0001',
  botUserId: 'U0001',
  logLevel: bolt.LogLevel.ERROR,
})
app.command(process.env.BENCH_COMMAND ?? '/deploy', async ({ ack }) => {
  await ack()
})
await app.start({ port: Number(process.env.PORT), host: '127.0.0.1' })
