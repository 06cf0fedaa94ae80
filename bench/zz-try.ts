import { elementBench } from './element-bench.js';
const r = await elementBench({ configs: [{ traces: 1, maxpoints: 500 }, { traces: 10, maxpoints: 1000 }], rates: [1000, 100000], naiveRates: [1000], seconds: 2, floorFrames: 20, heapPoints: 200000, targetFps: 20 }, console.log);
console.log(JSON.stringify(r.sustained), JSON.stringify(r.heap));
