import { describe, expect, test } from "bun:test";
import { barFill, formatDuration, formatEta, formatSize, formatSizePair, formatSpeed } from "../../src/core/format.ts";

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe("formatSize: one size format for every view", () => {
  test("bytes, KiB, MiB and GiB, each switching before four digits would show", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(5)).toBe("5 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1024)).toBe("1.0 KiB");
    expect(formatSize(4885)).toBe("4.8 KiB");
    expect(formatSize(999.9 * KiB)).toBe("999.9 KiB");
    // Would round to "1000.0 KiB": the next unit instead.
    expect(formatSize(999.97 * KiB)).toBe("1.0 MiB");
    expect(formatSize(147_964_211)).toBe("141.1 MiB");
    expect(formatSize(999.9 * MiB)).toBe("999.9 MiB");
    expect(formatSize(1000 * MiB)).toBe("0.98 GiB");
    expect(formatSize(1.5 * GiB)).toBe("1.50 GiB");
  });

  test("hostile numbers read as nothing rather than NaN or a minus sign", () => {
    expect(formatSize(Number.NaN)).toBe("0 B");
    expect(formatSize(-5)).toBe("0 B");
    expect(formatSize(Number.POSITIVE_INFINITY)).toBe("0 B");
  });

  test("a pair is in the total's unit", () => {
    expect(formatSizePair(3, 5)).toBe("3/5 B");
    expect(formatSizePair(2 * KiB, 10 * KiB)).toBe("2.0/10.0 KiB");
    expect(formatSizePair(60 * MiB, 148 * MiB)).toBe("60.0/148.0 MiB");
    expect(formatSizePair(900 * MiB, 2950 * MiB)).toBe("0.88/2.88 GiB");
  });
});

describe("durations, speeds and bars", () => {
  test("durations are padded for tables and never negative", () => {
    expect(formatDuration(5_400)).toBe("5s");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe("2h 03m");
    expect(formatDuration(3 * 86400_000 + 4 * 3600_000)).toBe("3d 04h");
    expect(formatDuration(-4000)).toBe("0s");
    expect(formatDuration(Number.NaN)).toBe("0s");
    expect(formatEta(79_001)).toBe("1m 20s");
  });

  test("speeds stay within ten characters at every magnitude", () => {
    for (const [b, text] of [
      [512 * KiB, "512 KiB/s"],
      [12.34 * MiB, "12.3 MiB/s"],
      [99.97 * MiB, "100 MiB/s"],
      [999.7 * MiB, "1.0 GiB/s"],
      [1.5 * GiB, "1.5 GiB/s"],
    ] as const) {
      expect(formatSpeed(b)).toBe(text);
      expect(text.length).toBeLessThanOrEqual(10);
    }
  });

  test("a bar is full only when done", () => {
    expect(barFill(99.9, 10)).toBe(9);
    expect(barFill(100, 10)).toBe(10);
    expect(barFill(-5, 10)).toBe(0);
    expect(barFill(Number.NaN, 10)).toBe(0);
  });
});
