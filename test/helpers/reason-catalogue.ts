// The catalogue lives in src (the metrics bound their labels by it); tests read the same list.
export { ALL_REASON_CODES, REASON_CATALOGUE } from '../../src/reasons/catalogue.js'
