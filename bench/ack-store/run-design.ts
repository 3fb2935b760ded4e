// One design, one measured run, in a process of its own: prints one JSON line (DesignResult).
import './sync-count.js'
import { DESIGNS, type DesignName } from './designs.js'
import { drive } from './drive.js'
import { requestSource } from './requests.js'

const [name, dir, seconds, concurrency] = process.argv.slice(2) as [DesignName, string, string, string]
const store = await DESIGNS[name].open(dir)
const result = await drive(store, requestSource(`b${Date.now().toString(36)}`), Number(seconds), Number(concurrency))
await store.close()
console.log(JSON.stringify(result))
