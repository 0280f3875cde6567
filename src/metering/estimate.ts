// Input estimated from the bytes sent, for holds (and for input nobody reported). Holds must
// not under-reserve, so input is estimated at 3 bytes per token, below the ~4 that English
// text and JSON average: it over-holds slightly and is released at settlement. Output nobody
// reported is counted with the tokenizer instead (delivered-output.ts).

export function estimateInputTokens(requestJson: string): number {
  return Math.ceil(requestJson.length / 3);
}
