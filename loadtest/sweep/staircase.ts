// The stress staircase shared by both modes: offered rates grow geometrically until a step fails.
import { stepHolds, type Thresholds } from './analysis.ts';
import type { StepResult } from './types.ts';

export interface StaircaseSettings {
  startRate: number;
  growth: number;
  maxSteps: number;
  maxRate: number;
}

export function staircaseRates(s: StaircaseSettings): number[] {
  const rates: number[] = [];
  for (let r = s.startRate; rates.length < s.maxSteps && r <= s.maxRate; r *= s.growth)
    rates.push(Math.round(r));
  return rates;
}

/**
 * Runs steps in order and stops at the first one that fails the thresholds (the knee). A failing step
 * is run once more before it counts: on a shared host one noisy step must not end the climb early.
 */
export async function climb(
  s: StaircaseSettings,
  t: Thresholds,
  runStep: (rate: number) => Promise<StepResult>,
  onStep: (step: StepResult, note?: string) => void = () => {},
): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (const rate of staircaseRates(s)) {
    let step = await runStep(rate);
    if (!stepHolds(step, t)) {
      onStep(step, 'failed once: running it again');
      step = await runStep(rate);
    }
    steps.push(step);
    onStep(step);
    if (!stepHolds(step, t)) break;
  }
  // Even the first step failed: step down (up to 4 times) until a rate holds, so the sustained rate is
  // measured rather than reported as zero.
  const first = steps[0];
  if (steps.length === 1 && first && !stepHolds(first, t)) {
    for (let i = 1, rate = first.offeredRate / s.growth; i <= 4; i++, rate /= s.growth) {
      const step = await runStep(Math.round(rate));
      steps.unshift(step);
      onStep(step, 'below the start rate');
      if (stepHolds(step, t)) break;
    }
  }
  return steps;
}
