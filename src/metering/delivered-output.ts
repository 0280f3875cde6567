// The generated text a stream delivered to its client, kept to be counted with the tokenizer
// if the upstream never reports usage (a stream cut short). Pieces are counted in folds, so a
// stream holds at most a few KiB of them however long it runs; a fold ends before a space,
// where o200k tokens nearly always break, so counting in parts matches counting the whole.
import { countTextTokens } from "./tokenizer.ts";

/** Fold once this many characters or pieces are waiting (pieces may keep their event's string alive). */
const FOLD_CHARS = 4096;
const FOLD_PIECES = 64;

export class DeliveredOutput {
  private pieces: string[] = [];
  private waitingChars = 0;
  private counted = 0;

  add(text: string): void {
    if (text === "") return;
    this.pieces.push(text);
    this.waitingChars += text.length;
    if (this.waitingChars >= FOLD_CHARS || this.pieces.length >= FOLD_PIECES) this.fold(false);
  }

  /** Tokens of everything delivered so far. */
  tokens(): number {
    this.fold(true);
    return this.counted;
  }

  private fold(all: boolean): void {
    if (this.pieces.length === 0) return;
    const text = this.pieces.join("");
    const cut = all ? text.length : text.lastIndexOf(" ");
    if (cut <= 0) {
      if (text.length >= FOLD_CHARS) {
        // A long run without a space (base64, minified code): a split costs at most a token.
        this.counted += countTextTokens(text);
        this.pieces = [];
        this.waitingChars = 0;
      } else {
        // Many short pieces of one word: flattened, so they no longer hold their events.
        this.pieces = [text];
      }
      return;
    }
    this.counted += countTextTokens(text.slice(0, cut));
    const rest = text.slice(cut);
    this.pieces = rest ? [rest] : [];
    this.waitingChars = rest.length;
  }
}
