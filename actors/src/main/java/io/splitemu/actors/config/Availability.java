package io.splitemu.actors.config;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An availability trace ({@code availability = "FILE"}, docs/faults.md): per device, the emulated
 * intervals in which it is offline, each read as a {@code device-crash} fault that rejoins at the
 * interval's end (none: offline to the run's end).
 */
public final class Availability {

  /** The header line the file must start with. */
  public static final String HEADER = "device,offline_from_s,offline_until_s";

  private static final String[] COLUMNS = HEADER.split(",");

  private Availability() {}

  /**
   * The faults of {@code file} for a run of {@code deviceCount} devices; a bad line fails naming
   * the file, its line and the column.
   */
  public static List<Settings.Fault> read(Path file, int deviceCount) {
    List<String> lines = lines(file);
    List<Settings.Fault> faults = new ArrayList<>();
    boolean header = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + ":" + (i + 1);
      if (!header) {
        if (!line.replace(" ", "").equals(HEADER)) {
          throw new SettingsException(where + ": the header must be " + HEADER + ", got " + line);
        }
        header = true;
        continue;
      }
      // The last column may be empty: "3,120," is offline from 120 s to the run's end.
      String[] cells = line.split(",", -1);
      // Three cells, the last possibly empty ("3,120,"): a row of two ("3,120") was read as
      // offline to the end, while one of four was refused.
      if (cells.length != 3) {
        throw new SettingsException(
            where + ": expected 3 columns (" + HEADER + "), got " + cells.length);
      }
      int device = device(cells[0].strip(), deviceCount, where);
      long from = seconds(cells[1].strip(), COLUMNS[1], where);
      String until = cells[2].strip();
      Settings.FaultTime end = null;
      if (!until.isEmpty()) {
        long to = seconds(until, COLUMNS[2], where);
        if (to <= from) {
          throw new SettingsException(
              where + ": column " + COLUMNS[2] + " must be later than " + COLUMNS[1]);
        }
        end = Settings.FaultTime.at(to);
      }
      faults.add(
          new Settings.Fault(
              "device-crash",
              List.of(device),
              -1,
              Settings.FaultTime.at(from),
              end,
              Double.NaN,
              null,
              Double.NaN,
              -1,
              -1,
              "availability " + where));
    }
    if (!header) {
      throw new SettingsException(file + ":1: the header " + HEADER + " is missing");
    }
    return faults;
  }

  /**
   * The file's lines, as UTF-8: a byte-order mark at the start is dropped (spreadsheet tools write
   * one, and the header then did not match), and a byte that is not UTF-8 is refused with its line
   * and column instead of being read as U+FFFD or failing without either.
   */
  private static List<String> lines(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new SettingsException(
          Settings.NS + ".availability: cannot read " + file + " (" + e.getMessage() + ")");
    }
    int at =
        bytes.length >= 3
                && bytes[0] == (byte) 0xEF
                && bytes[1] == (byte) 0xBB
                && bytes[2] == (byte) 0xBF
            ? 3
            : 0;
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    List<String> out = new ArrayList<>();
    int line = 1;
    while (at <= bytes.length) {
      int end = at;
      // A line ends at LF, CRLF or a lone CR (a spreadsheet's "CSV (Macintosh)").
      while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
        end++;
      }
      ByteBuffer in = ByteBuffer.wrap(bytes, at, end - at);
      CharBuffer chars = CharBuffer.allocate(end - at + 1);
      decoder.reset();
      CoderResult r = decoder.decode(in, chars, true);
      if (!r.isError()) {
        r = decoder.flush(chars);
      }
      if (r.isError()) {
        throw new SettingsException(
            String.format(
                java.util.Locale.ROOT,
                "%s:%d: expected UTF-8 text (not the byte 0x%02X at column %d)",
                file,
                line,
                bytes[in.position()] & 0xFF,
                chars.position() + 1));
      }
      chars.flip();
      out.add(chars.toString());
      if (end == bytes.length) {
        break;
      }
      at = end + (bytes[end] == '\r' && end + 1 < bytes.length && bytes[end + 1] == '\n' ? 2 : 1);
      line++;
    }
    return out;
  }

  private static int device(String cell, int deviceCount, String where) {
    try {
      int d = Integer.parseInt(cell);
      if (d >= 0 && d < deviceCount) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below with the range
    }
    throw new SettingsException(
        where
            + ": column "
            + COLUMNS[0]
            + " must be a device id in [0, "
            + (deviceCount - 1)
            + "], got \""
            + cell
            + "\"");
  }

  // The seconds a nanosecond long holds, and half a nanosecond (less rounds to 0).
  private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(Long.MAX_VALUE, 9);
  private static final BigDecimal HALF_NS = new BigDecimal("5e-10");

  /**
   * Seconds (a decimal in [0, 9223372036.854775807]) as whole nanoseconds, exactly as written (no
   * binary rounding). The range is checked before any arithmetic: a cell such as {@code
   * 1e500000000} or {@code 1e-500000000} would otherwise make a power of ten of half a billion
   * digits.
   */
  private static long seconds(String cell, String column, String where) {
    try {
      BigDecimal s = new BigDecimal(cell);
      if (s.signum() >= 0 && s.compareTo(MAX_SECONDS) <= 0) {
        if (s.compareTo(HALF_NS) < 0) {
          return 0;
        }
        return s.movePointRight(9).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // reported below
    }
    throw new SettingsException(
        where
            + ": column "
            + column
            + " must be seconds in [0, "
            + MAX_SECONDS.toPlainString()
            + "], got \""
            + cell
            + "\"");
  }
}
