// The SDK handler module the slackgate benchmark routes to: it does what the Bolt peer does,
// nothing but finish, so both sides measure the plumbing and not the work.
// BENCH_ROUTES=N also registers /cmd0 … /cmd{N-1} for the route-count growth runs.
import { defineHandlers } from 'slackgate'

const extra = Number(process.env.BENCH_ROUTES ?? 0)

export default defineHandlers((gateway) => {
  const ack = async () => {}
  gateway.command('/deploy', ack)
  for (let i = 0; i < extra; i++) gateway.command(`/cmd${i}`, ack)
})
