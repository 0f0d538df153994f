// The convolution kernel of a diagonal SSM, K[h, l] = 2 Re(sum_n C_n Bbar_n lambda_n^l).
// Powers are taken in polar form, |lambda|^l (cos l theta + i sin l theta), not by repeated
// multiplication, so that the kernel is computed independently of the recurrence it checks.

import type { DiagonalSsm } from "./ssm-plan.js";

export function diagonalKernel(ssm: DiagonalSsm, length: number): Float64Array {
  const { channels: H, modes: M } = ssm;
  const k = new Float64Array(H * length);
  for (let h = 0; h < H; h++) {
    for (let m = h * M; m < (h + 1) * M; m++) {
      // w = C * Bbar
      const wr = ssm.cRe[m]! * ssm.bRe[m]! - ssm.cIm[m]! * ssm.bIm[m]!;
      const wi = ssm.cRe[m]! * ssm.bIm[m]! + ssm.cIm[m]! * ssm.bRe[m]!;
      const logR = Math.log(Math.hypot(ssm.lamRe[m]!, ssm.lamIm[m]!));
      const theta = Math.atan2(ssm.lamIm[m]!, ssm.lamRe[m]!);
      k[h * length] = k[h * length]! + 2 * wr; // lambda^0 = 1, also when lambda = 0
      for (let l = 1; l < length; l++) {
        const r = Math.exp(l * logR);
        k[h * length + l] =
          k[h * length + l]! + 2 * r * (wr * Math.cos(l * theta) - wi * Math.sin(l * theta));
      }
    }
  }
  return k;
}
