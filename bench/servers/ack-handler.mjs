// The SDK handler module the slackgate benchmark routes to: it does what the Bolt peer does,
// nothing but finish, so both sides measure the plumbing and not the work.
// BENCH_ROUTES=N also registers /cmd0 … /cmd{N-1} for the route-count growth runs.
import { defineHandlers } from 'slackgate'

const extra = Number(process.env.BENCH_ROUTES ?? 0)

export default defineHandlers((gateway) => {
  const ack = async () => {}
  // BENCH_ACK=1: the route answers in the ack (a no-op ack, an empty 200), then queues the same no-op.
  gateway.command('/deploy', process.env.BENCH_ACK === '1' ? { ack: () => undefined, handler: ack } : ack)
  for (let i = 0; i < extra; i++) gateway.command(`/cmd${i}`, ack)
})
