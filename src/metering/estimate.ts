// Estimates used before (holds) or instead of (cut streams without usage) real counts.
// Holds must not under-reserve, so input is estimated at 3 bytes per token, below the ~4
// that English text and JSON average: it over-holds slightly and is released at settlement.

export function estimateInputTokens(requestJson: string): number {
  return Math.ceil(requestJson.length / 3);
}

/** Output actually delivered, when the upstream never reported it (roughly 4 chars/token). */
export function estimateOutputTokens(deliveredChars: number): number {
  return Math.ceil(deliveredChars / 4);
}
