// Stand-in for 'k6/metrics': every metric records what was added, by name.
export const samples = {};

class Metric {
  constructor(name) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`invalid k6 metric name ${name}`);
    this.name = name;
    samples[name] = [];
  }
  add(value) {
    samples[this.name].push(Number(value));
  }
}

export class Trend extends Metric {}
export class Counter extends Metric {}
export class Rate extends Metric {}
export class Gauge extends Metric {}
