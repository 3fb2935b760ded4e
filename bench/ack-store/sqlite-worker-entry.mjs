// A worker does not inherit the parent's module hooks on every Node line: register tsx here,
// then load the TypeScript worker.
import { register } from 'tsx/esm/api'

register()
await import('./sqlite-worker-thread.ts')
