package io.splitemu.actors.results;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A CSV file written one row at a time and flushed after each, so a run that dies keeps every row
 * it recorded.
 *
 * <p>Numbers are written so that they read back to the same double ({@link Double#toString});
 * {@code NaN} is an empty field. Text with a comma, quote or line break is quoted (RFC 4180).
 */
public final class CsvTable implements Closeable {

  private final Path file;
  private final BufferedWriter out;
  private final int columns;

  private CsvTable(Path file, BufferedWriter out, int columns) {
    this.file = file;
    this.out = out;
    this.columns = columns;
  }

  /** Creates {@code file} (which must not exist) and writes the header. */
  public static CsvTable create(Path file, List<String> header) {
    try {
      BufferedWriter w =
          Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
      CsvTable t = new CsvTable(file, w, header.size());
      t.writeRow(new ArrayList<>(header));
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
    }
  }

  /** Appends one row and flushes it to disk. */
  public synchronized void append(List<?> fields) {
    if (fields.size() != columns) {
      throw new IllegalArgumentException(
          file.getFileName() + ": row has " + fields.size() + " fields, header has " + columns);
    }
    writeRow(fields);
  }

  private void writeRow(List<?> fields) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(format(fields.get(i)));
    }
    sb.append('\n');
    try {
      out.write(sb.toString());
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Formats one field. */
  static String format(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double d) {
      return d.isNaN() ? "" : Double.toString(d);
    }
    if (v instanceof Float f) {
      return f.isNaN() ? "" : Float.toString(f);
    }
    // One row a line: the tables are read back (a resume, a rewind, compare's plots) and grepped
    // line by line, so a line break in a field (an error's text) becomes a space.
    String s = v.toString().replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0) {
      return '"' + s.replace("\"", "\"\"") + '"';
    }
    return s;
  }

  /** The data rows of a CSV file written by this class (header skipped), each as its fields. */
  public static List<List<String>> read(Path file) {
    List<List<String>> out = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 1; i < lines.size(); i++) {
        out.add(parseLine(lines.get(i)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Splits one CSV line written by this class back into fields (for tests and compare). */
  public static List<String> parseLine(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    fields.add(cur.toString());
    return fields;
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reopens {@code file} for appending, first cut to its header (which must be {@code header}) and
   * the data rows {@code keep} accepts, each kept byte for byte (a resumed run drops what a stopped
   * one wrote after its checkpoint; a row torn by a kill does not parse and is dropped too).
   */
  public static CsvTable reopen(Path file, List<String> header, Predicate<List<String>> keep) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (lines.isEmpty() || !parseLine(lines.get(0)).equals(header)) {
        throw new IllegalArgumentException(file + ": not a table of " + String.join(",", header));
      }
      StringBuilder kept = new StringBuilder(lines.get(0)).append('\n');
      for (int i = 1; i < lines.size(); i++) {
        List<String> f = parseLine(lines.get(i));
        if (f.size() == header.size() && keep.test(f)) {
          kept.append(lines.get(i)).append('\n');
        }
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, kept, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      BufferedWriter w =
          Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      return new CsvTable(file, w, header.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reopen " + file + ": " + e.getMessage(), e);
    }
  }
}
