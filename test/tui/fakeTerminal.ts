import { EventEmitter } from "node:events";

/** A stdout Ink can draw on without a real terminal. */
export class FakeStdout extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = false;
  written = "";
  write = (chunk: string, cb?: () => void): boolean => {
    this.written += chunk;
    cb?.();
    return true;
  };
}

/**
 * A stdin that records raw-mode switches; `isTTY` decides whether Ink may use raw mode.
 * A pipe's `isTTY` is undefined rather than false, so both are worth testing.
 */
export class FakeStdin extends EventEmitter {
  rawModeCalls: boolean[] = [];
  #data: string | null = null;
  constructor(public isTTY: boolean | undefined) {
    super();
  }
  setRawMode(on: boolean): this {
    if (!this.isTTY) throw new Error("setRawMode called on a non-TTY stdin");
    this.rawModeCalls.push(on);
    return this;
  }
  get isRaw(): boolean {
    return this.rawModeCalls.at(-1) === true;
  }
  write(data: string): void {
    this.#data = data;
    this.emit("readable");
  }
  read(): string | null {
    const d = this.#data;
    this.#data = null;
    return d;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
}

/** The three streams as the types Ink's options expect. */
export function fakeTerminal(isTTY: boolean | undefined) {
  const stdout = new FakeStdout();
  const stderr = new FakeStdout();
  const stdin = new FakeStdin(isTTY);
  return {
    stdout,
    stderr,
    stdin,
    io: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
    },
  };
}
