/**
 * A fake PM drawn straight onto a pane's terminal: the pane runs a sleeping process, its terminal
 * is put in raw mode without echo, and this object reads what is typed into it, shows it in a
 * Claude-Code-like input box, and on Enter takes the message and clears the box, as `deliver`
 * expects of a real PM. (One process per PM pane would cost ~30 MB; this costs a sleeping
 * process and two file handles.)
 *
 * @module
 */

import { editInput, parseKeys } from "./keys.ts";
import { pmScreen, SCREEN_WIDTH, screenBytes } from "./screens.ts";

/** The pane a {@linkcode FakePm} takes over. */
export interface PmPane {
  /** `%N`. */
  paneId: string;
  /** The pane's terminal, e.g. `/dev/pts/12`. */
  tty: string;
}

/** A fake PM reading and drawing its pane's terminal. */
export class FakePm {
  readonly #pane: PmPane;
  readonly #width: number;
  readonly #reader: Deno.FsFile;
  readonly #writer: Deno.FsFile;
  readonly #messages: string[] = [];
  readonly #reading: Promise<void>;
  #input = "";
  #draws = 0;

  private constructor(pane: PmPane, files: [Deno.FsFile, Deno.FsFile], width: number) {
    this.#pane = pane;
    [this.#reader, this.#writer] = files;
    this.#width = width;
    this.#reading = this.#read();
  }

  /**
   * Puts `pane`'s terminal in raw mode, draws the empty prompt and starts reading. Reading stops
   * when tmux closes the terminal (the pane or its server is killed).
   */
  static async attach(pane: PmPane, options: { width?: number } = {}): Promise<FakePm> {
    const stty = await new Deno.Command("stty", {
      args: ["-F", pane.tty, "raw", "-echo"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!stty.success) {
      throw new Error(
        `Cannot put the fake PM's terminal in raw mode: ${
          new TextDecoder().decode(stty.stderr).trim()
        }`,
      );
    }
    // Two handles: a pending read holds its file, so a write on the same one would wait for input.
    const reader = await Deno.open(pane.tty, { read: true });
    const writer = await Deno.open(pane.tty, { write: true });
    const pm = new FakePm(pane, [reader, writer], options.width ?? SCREEN_WIDTH);
    await pm.#draw();
    return pm;
  }

  /** The PM pane. */
  get pane(): PmPane {
    return this.#pane;
  }

  /** Messages submitted (Enter) so far. */
  get messages(): readonly string[] {
    return this.#messages;
  }

  /** Resolves when reading has stopped (the pane's terminal was closed by tmux). */
  get done(): Promise<void> {
    return this.#reading;
  }

  async #draw(): Promise<void> {
    this.#draws++;
    const bytes = screenBytes(pmScreen(this.#input, { width: this.#width, step: this.#draws }));
    let written = 0;
    while (written < bytes.length) written += await this.#writer.write(bytes.subarray(written));
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(8192);
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const n = await this.#reader.read(buffer);
        if (n === null) break;
        for (const key of parseKeys(decoder.decode(buffer.subarray(0, n), { stream: true }))) {
          if (key.kind === "enter") {
            if (this.#input.trim() !== "") this.#messages.push(this.#input);
            this.#input = "";
          } else this.#input = editInput(this.#input, key);
        }
        await this.#draw();
      }
    } catch { /* the terminal is gone (the server was killed) */ }
    for (const file of [this.#reader, this.#writer]) {
      try {
        file.close();
      } catch { /* already closed */ }
    }
  }
}
