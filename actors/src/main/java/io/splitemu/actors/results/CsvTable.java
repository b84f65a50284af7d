package io.splitemu.actors.results;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
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
  private BufferedWriter out;
  // What out writes to: abandon() closes it without writing what out still holds.
  private OutputStream raw;
  private final int columns;
  // The file's length at its last whole row (-1 until the first write reads it): a write that
  // fails cuts the file back to it.
  private long whole = -1;
  // A write failed: out and raw are dropped (out may hold bytes of the failed row), the file is cut
  // back to its whole rows, and the next write opens it again.
  private boolean failed;

  private CsvTable(Path file, Output o, int columns) {
    this.file = file;
    this.out = o.writer();
    this.raw = o.raw();
    this.columns = columns;
  }

  /** A file's writer and the stream under it. */
  private record Output(BufferedWriter writer, OutputStream raw) {}

  /**
   * Opens {@code file} as {@link Files#newBufferedWriter(Path, java.nio.charset.Charset,
   * java.nio.file.OpenOption...)} does, keeping the stream under the writer.
   */
  private static Output output(Path file, StandardOpenOption option) throws IOException {
    OutputStream raw = Files.newOutputStream(file, option, StandardOpenOption.WRITE);
    return new Output(
        new BufferedWriter(
            new OutputStreamWriter(
                new NoSpaceCheck(file, raw), StandardCharsets.UTF_8.newEncoder())),
        raw);
  }

  /**
   * Tests only: a write to a file this accepts fails as on a full disk ({@code No space left on
   * device}), at the operating system's boundary, below every writer of this class. A test of a
   * full disk needs no privileges (a tmpfs mount) this way; each test adds its own and removes it.
   */
  static final List<Predicate<Path>> noSpaceFor = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Tests only: as {@link #noSpaceFor}, but the write that fails first writes half its bytes, as a
   * real full disk writes what fits before it fails.
   */
  static final List<Predicate<Path>> noSpaceMidRowFor =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Whether a test's {@code hooks} ({@link #noSpaceFor}, {@link #noSpaceMidRowFor}) fill {@code f}.
   */
  private static boolean full(List<Predicate<Path>> hooks, Path f) {
    return hooks.stream().anyMatch(p -> p.test(f));
  }

  /**
   * The stream under a writer, failing as a full disk where {@link #noSpaceFor} or {@link
   * #noSpaceMidRowFor} says.
   */
  private static final class NoSpaceCheck extends java.io.FilterOutputStream {
    private final Path file;

    NoSpaceCheck(Path file, OutputStream out) {
      super(out);
      this.file = file;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (full(noSpaceFor, file)) {
        throw new IOException("No space left on device");
      }
      if (full(noSpaceMidRowFor, file)) {
        out.write(b, off, len / 2);
        throw new IOException("No space left on device");
      }
      out.write(b, off, len);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }
  }

  /** Creates {@code file} (which must not exist) and writes the header. */
  public static CsvTable create(Path file, List<String> header) {
    try {
      CsvTable t = new CsvTable(file, output(file, StandardOpenOption.CREATE_NEW), header.size());
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

  /**
   * Writes one row and flushes it. A write that fails (a full disk writes what fits, then fails)
   * cuts the file back to its last whole row before it throws, so the file never ends in part of a
   * row, and drops the writer, which may still hold the row's bytes; the next write opens the file
   * again.
   */
  private void writeRow(List<?> fields) {
    StringBuilder sb = new StringBuilder();
    line(sb, fields);
    try {
      if (failed) {
        cutToWhole();
        Output o = output(file, StandardOpenOption.APPEND);
        out = o.writer();
        raw = o.raw();
        failed = false;
      }
      if (whole < 0) {
        whole = Files.size(file);
      }
      out.append(sb);
      out.flush();
      whole += utf8Length(sb);
    } catch (IOException e) {
      failed = true;
      try {
        raw.close(); // not out: a close would write what it holds of the row again
      } catch (IOException c) {
        e.addSuppressed(c);
      }
      try {
        cutToWhole();
      } catch (IOException c) {
        e.addSuppressed(c); // cut again before the next write
      }
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Cuts the file to {@link #whole} where it holds more (part of a row whose write failed). */
  private void cutToWhole() throws IOException {
    if (whole < 0) {
      return; // nothing was written
    }
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      if (ch.size() > whole) {
        ch.truncate(whole);
      }
    }
  }

  /** The length of {@code s} in UTF-8, as the writer encodes it. */
  private static long utf8Length(CharSequence s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
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
    forEachRow(file, out::add);
    return out;
  }

  /**
   * Hands each data row of a CSV file written by this class (header skipped) to {@code row}, as its
   * fields, one line at a time (nothing but the current line is held). A last line without its line
   * break is a row torn by a kill and is skipped.
   */
  public static void forEachRow(Path file, Consumer<List<String>> row) {
    try {
      lines(
          file,
          (i, line) -> {
            if (i > 0) {
              row.accept(parseLine(line));
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** One line of a file, with its index (0 for the header). */
  private interface LineSink {
    void accept(long index, String line) throws IOException;
  }

  /**
   * Reads {@code file} line by line into {@code sink}, but a last line that does not end with a
   * line break (a row torn by a kill, which may stop inside a multi-byte character): every row this
   * class writes ends with one. Malformed bytes elsewhere read as U+FFFD rather than failing.
   */
  private static void lines(Path file, LineSink sink) throws IOException {
    boolean complete;
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      long size = ch.size();
      if (size == 0) {
        return;
      }
      ByteBuffer last = ByteBuffer.allocate(1);
      ch.position(size - 1);
      ch.read(last);
      complete = last.get(0) == '\n';
    }
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(Files.newInputStream(file), utf8))) {
      String held = in.readLine();
      long i = 0;
      while (held != null) {
        String next = in.readLine();
        if (next == null && !complete) {
          return;
        }
        sink.accept(i++, held);
        held = next;
      }
    }
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
    if (failed) {
      return; // closed when its write failed, which said so; the file holds its whole rows
    }
    try {
      out.close();
    } catch (IOException e) {
      abandon(); // the file is released even so
      throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Closes the file without writing what a failed {@link #append} left in the writer: the file
   * keeps the rows written whole, and at most a torn last line, which {@link #reopenAppending}
   * cuts.
   */
  public synchronized void abandon() {
    try {
      raw.close();
    } catch (IOException e) {
      // Nothing more can be written to it anyway; its rows are on disk.
    }
  }

  /**
   * Reopens {@code file}, whose header must be {@code header}, for appending in place (no copy: no
   * free space is needed, and nothing replaces the file): a torn last line (a row a full disk or a
   * kill cut short) is cut off, and {@code each} sees every data row, as its fields, one line at a
   * time.
   */
  public static CsvTable reopenAppending(
      Path file, List<String> header, Consumer<List<String>> each) {
    try {
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(
              file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        long size = ch.size();
        long keep = size;
        ByteBuffer b = ByteBuffer.allocate(1);
        while (keep > 0) {
          b.clear();
          ch.read(b, keep - 1);
          if (b.get(0) == '\n') {
            break;
          }
          keep--;
        }
        if (keep < size) {
          ch.truncate(keep);
        }
      }
      boolean[] headed = {false};
      lines(
          file,
          (i, line) -> {
            if (i == 0) {
              headed[0] = parseLine(line).equals(header);
            } else if (headed[0]) {
              List<String> f = parseLine(line);
              if (f.size() == header.size()) {
                each.accept(f);
              }
            }
          });
      if (!headed[0]) {
        throw new IllegalArgumentException(file + ": not a table of " + String.join(",", header));
      }
      return new CsvTable(file, output(file, StandardOpenOption.APPEND), header.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reopen " + file + ": " + IoReasons.reason(e, file), e);
    }
  }

  /**
   * Reopens {@code file} for appending, first cut to its header (which must be {@code header}) and
   * the data rows {@code keep} accepts, each kept byte for byte (a resumed run drops what a stopped
   * one wrote after its checkpoint; a row torn by a kill, the last line without its line break, is
   * dropped too, even where it stops inside a multi-byte character).
   */
  public static CsvTable reopen(Path file, List<String> header, Predicate<List<String>> keep) {
    return reopen(file, header, keep, f -> {});
  }

  /**
   * {@link #reopen(Path, List, Predicate)} that also hands each kept row to {@code kept}. The file
   * is read one line at a time and each kept line goes straight to a temporary file beside it,
   * which then replaces it atomically: memory does not grow with the table.
   */
  public static CsvTable reopen(
      Path file, List<String> header, Predicate<List<String>> keep, Consumer<List<String>> kept) {
    return reopen(file, header, List.of(), keep, kept);
  }

  /**
   * {@link #reopen(Path, List, Predicate, Consumer)} that also takes a file whose header is one of
   * {@code older} (what an earlier build wrote: {@code header} without some of its columns): its
   * header becomes {@code header} and each of its rows gets an empty field in each column it lacks,
   * before {@code keep} and {@code kept} see it, so the appended rows line up.
   */
  public static CsvTable reopen(
      Path file,
      List<String> header,
      List<List<String>> older,
      Predicate<List<String>> keep,
      Consumer<List<String>> kept) {
    return cut(file, header, older, keep, kept).commit();
  }

  /**
   * A table cut into its temporary file by {@link #cut}, not yet in place: {@link #commit} renames
   * it over the table and opens it for appending, {@link #discard} deletes it and leaves the table
   * as it was. A resume cuts each of its tables first and commits them only once every one is cut,
   * so that a table it refuses leaves the others as they were.
   */
  public static final class Cut {
    private final Path file;
    private final Path tmp;
    private final int columns;

    private Cut(Path file, Path tmp, int columns) {
      this.file = file;
      this.tmp = tmp;
      this.columns = columns;
    }

    /** Renames the cut over the table and opens it for appending. */
    public CsvTable commit() {
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new CsvTable(file, output(file, StandardOpenOption.APPEND), columns);
      } catch (IOException e) {
        discard();
        throw new UncheckedIOException(cannotReopen(file, tmp, e), e);
      }
    }

    /** Deletes the cut: the table stays as it was. */
    public void discard() {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // A temporary file left behind is deleted by the next resume once stale.
      }
    }
  }

  /**
   * {@link #reopen(Path, List, List, Predicate, Consumer)}'s cut, written to a temporary file
   * beside {@code file} but not yet renamed over it ({@link Cut#commit}): {@code file} is as it was
   * until then. Fails with one line naming {@code file} where it is missing, unreadable, not a
   * table of {@code header} (or one of {@code older}), or its folder cannot be written.
   */
  public static Cut cut(
      Path file,
      List<String> header,
      List<List<String>> older,
      Predicate<List<String>> keep,
      Consumer<List<String>> kept) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "cannot reopen "
              + file
              + ": "
              + (Files.exists(file) ? "not a regular file" : "no such file"));
    }
    Path tmp = temporaryOf(file);
    try {
      try (BufferedWriter w =
          Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW)) {
        boolean[] headed = {false};
        // The file's header where it is one of older (the rows then get the missing fields).
        java.util.concurrent.atomic.AtomicReference<List<String>> was =
            new java.util.concurrent.atomic.AtomicReference<>();
        lines(
            file,
            (i, line) -> {
              String out = line;
              if (i == 0) {
                List<String> h = parseLine(line);
                if (!h.equals(header)) {
                  if (!older.contains(h)) {
                    throw new IllegalArgumentException(
                        file + ": not a table of " + String.join(",", header));
                  }
                  was.set(h);
                  out = text(header);
                }
                headed[0] = true;
              } else {
                List<String> f = parseLine(line);
                List<String> h = was.get();
                if (h != null) {
                  if (f.size() != h.size()) {
                    return;
                  }
                  List<String> g = new ArrayList<>(header.size());
                  for (String column : header) {
                    int at = h.indexOf(column);
                    g.add(at < 0 ? "" : f.get(at));
                  }
                  f = g;
                  out = text(f);
                }
                if (f.size() != header.size() || !keep.test(f)) {
                  return;
                }
                kept.accept(f);
              }
              w.write(out);
              w.write('\n');
            });
        if (!headed[0]) {
          throw new IllegalArgumentException(file + ": not a table of " + String.join(",", header));
        }
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      return new Cut(file, tmp, header.size());
    } catch (IOException e) {
      throw new UncheckedIOException(cannotReopen(file, tmp, e), e);
    }
  }

  /**
   * {@code cannot reopen FILE: REASON}, the reason in a few words ({@link IoReasons#reason}); a
   * failure on the temporary file beside it is said of its folder, without the temporary name.
   */
  static String cannotReopen(Path file, Path tmp, IOException e) {
    return failed("reopen", file, tmp, e);
  }

  /**
   * {@code cannot VERB FILE: REASON}, as {@link #cannotReopen} words it; where the rename of the
   * temporary file over {@code file} failed (a folder of its name is there), the reason is said of
   * {@code file} alone.
   */
  static String failed(String verb, Path file, Path tmp, IOException e) {
    if (e instanceof java.nio.file.FileSystemException f
        && f.getFile() != null
        && Path.of(f.getFile()).equals(tmp)) {
      if (f.getOtherFile() != null && Path.of(f.getOtherFile()).equals(file)) {
        return "cannot " + verb + " " + file + ": " + IoReasons.reason(e, tmp);
      }
      return "cannot "
          + verb
          + " "
          + file
          + ": cannot write in its folder ("
          + IoReasons.reason(e, tmp)
          + ")";
    }
    return "cannot " + verb + " " + file + ": " + IoReasons.reason(e, file);
  }

  /**
   * Reopens {@code file}, whose header must be {@code header}, for appending with {@code rows}
   * inserted among its data rows: each, in their order, goes before the first row of the file that
   * {@code precedes} accepts for it ({@code precedes.test(row, fileRow)}), or at the end; so rows
   * kept in some order and rows sorted the same way merge into that order, a file row first on a
   * tie when {@code precedes} is strict. {@code each} sees every data row of the result in order,
   * as its fields read back (an inserted row as the file holds it). As {@link #reopen}: through a
   * temporary file that then replaces {@code file} atomically, one line at a time (memory does not
   * grow with the table); a torn last line is dropped. If it fails (a full disk), {@code file} is
   * as it was, and only the temporary file was written.
   */
  public static CsvTable reopenInserting(
      Path file,
      List<String> header,
      List<? extends List<?>> rows,
      java.util.function.BiPredicate<List<String>, List<String>> precedes,
      Consumer<List<String>> each) {
    List<String> lines = insertedLines(file, header, rows);
    List<List<String>> parsed = lines.stream().map(CsvTable::parseLine).toList();
    Path tmp = temporaryOf(file);
    Output o = null;
    try {
      try {
        o = output(tmp, StandardOpenOption.CREATE_NEW);
        BufferedWriter w = o.writer();
        int[] next = {0};
        boolean[] headed = {false};
        LineSink insert =
            (i, line) -> {
              each.accept(parsed.get(next[0]));
              w.write(line);
              w.write('\n');
              next[0]++;
            };
        lines(
            file,
            (i, line) -> {
              if (i == 0) {
                if (!parseLine(line).equals(header)) {
                  throw new IllegalArgumentException(
                      file + ": not a table of " + String.join(",", header));
                }
                headed[0] = true;
                w.write(line);
                w.write('\n');
                return;
              }
              List<String> f = parseLine(line);
              if (f.size() != header.size()) {
                return;
              }
              while (next[0] < lines.size() && precedes.test(parsed.get(next[0]), f)) {
                insert.accept(i, lines.get(next[0]));
              }
              each.accept(f);
              w.write(line);
              w.write('\n');
            });
        if (!headed[0]) {
          throw new IllegalArgumentException(file + ": not a table of " + String.join(",", header));
        }
        while (next[0] < lines.size()) {
          insert.accept(-1, lines.get(next[0]));
        }
        w.flush();
        // The copy's writer stays open and goes on appending to the file it becomes: once the
        // rename is done nothing can fail, so a failure always leaves the file as it was.
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        try {
          if (o != null) {
            o.raw().close();
          }
          Files.deleteIfExists(tmp);
        } catch (IOException c) {
          e.addSuppressed(c); // the write's failure is the one to report
        }
        throw e;
      }
      return new CsvTable(file, o, header.size());
    } catch (IOException e) {
      throw new UncheckedIOException(cannotReopen(file, tmp, e), e);
    }
  }

  /** The most bytes {@link #reopenInsertingNearEnd} reads back from a table's end. */
  static final int TAIL_READ_MAX = 16 << 20;

  /**
   * What {@link #reopenInsertingNearEnd} did: the table to go on appending to, and the data rows it
   * parsed (its tail's rows and the inserted ones).
   */
  public record Inserted(CsvTable table, long rowsParsed) {}

  /**
   * {@link #reopenInserting}'s result byte for byte, for rows that go among the last data rows of
   * {@code file}, but cheaper: the file is read backwards from its end up to the last row that
   * {@code rows.get(0)} does not precede (or the header), at offset {@code from}; its bytes before
   * {@code from} (the head) are copied into the temporary file by the kernel ({@link
   * java.nio.channels.FileChannel#transferTo}), not read nor parsed, and only the rows after it
   * (the tail) are parsed and written, merged with {@code rows} as {@link #reopenInserting} merges
   * them. The temporary file then replaces {@code file} atomically as there: {@code file} is always
   * either the old whole file or the new whole one, and a failure (a full disk) leaves it as it
   * was, having written only the temporary file, which is deleted. Every row before {@code from}
   * must be preceded by none of {@code rows} (the file sorted as {@code precedes} sorts, {@code
   * rows} sorted alike: the caller's to know), and every row of the head is kept as it is (this
   * class writes no row the header does not fit, nor a line break inside a row). {@code each} sees
   * each row of the new tail in order, as the file holds it, and whether it is an inserted one,
   * once the file is replaced. Returns null, having written nothing, where the rows would go more
   * than {@link #TAIL_READ_MAX} bytes before the end, or where the file ends in a torn row, its
   * tail holds a carriage return or its header is not {@code header}: {@link #reopenInserting} is
   * then the way (it drops a torn row, and refuses a file that is not a table of {@code header}).
   */
  public static Inserted reopenInsertingNearEnd(
      Path file,
      List<String> header,
      List<? extends List<?>> rows,
      java.util.function.BiPredicate<List<String>, List<String>> precedes,
      java.util.function.BiConsumer<List<String>, Boolean> each) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no rows to insert");
    }
    List<String> lines = insertedLines(file, header, rows);
    List<List<String>> parsed = lines.stream().map(CsvTable::parseLine).toList();
    Path tmp = temporaryOf(file);
    try (java.nio.channels.FileChannel src =
        java.nio.channels.FileChannel.open(file, StandardOpenOption.READ)) {
      long size = src.size();
      long from = -1; // the offset the tail starts at, once found
      List<String> kept = new ArrayList<>(); // the old tail's lines, in order
      long rowsParsed = 0;
      // The window read back from the end grows until it holds the row that stops the scan.
      long window = Math.min(size, 8192);
      while (true) {
        byte[] b = new byte[(int) window];
        readFully(src, ByteBuffer.wrap(b), size - window);
        int end = b.length;
        if (end == 0 || b[end - 1] != '\n') {
          return null; // a torn last row (or an empty file): the copy drops or refuses it
        }
        kept.clear();
        while (end > 0) {
          int start = end - 1; // the line's first byte: after the '\n' before it
          while (start > 0 && b[start - 1] != '\n') {
            start--;
          }
          if (start == 0 && window < size) {
            break; // the line may begin before the window
          }
          String line = new String(b, start, end - 1 - start, StandardCharsets.UTF_8);
          if (line.indexOf('\r') >= 0) {
            return null; // read as two lines by the copy
          }
          if (start == 0) { // the header: every row is in the tail
            if (!parseLine(line).equals(header)) {
              return null;
            }
            from = end;
            break;
          }
          List<String> f = parseLine(line);
          rowsParsed++;
          if (f.size() == header.size() && !precedes.test(parsed.get(0), f)) {
            from = size - window + end;
            break;
          }
          kept.add(line);
          end = start;
        }
        if (from >= 0) {
          break;
        }
        if (window >= Math.min(size, TAIL_READ_MAX)) {
          return null; // not near the end: the caller copies the file instead
        }
        window = Math.min(Math.min(size, TAIL_READ_MAX), window * 2);
      }
      java.util.Collections.reverse(kept);
      if (!headerIs(src, header)) {
        return null; // the copy refuses it
      }
      // The new tail: rows merged as reopenInserting merges them (a row the header does not fit
      // is dropped, as its copy drops it).
      List<String> tailLines = new ArrayList<>();
      List<List<String>> newRows = new ArrayList<>();
      List<Boolean> inserted = new ArrayList<>();
      int next = 0;
      for (String line : kept) {
        List<String> f = parseLine(line);
        if (f.size() != header.size()) {
          continue;
        }
        while (next < lines.size() && precedes.test(parsed.get(next), f)) {
          tailLines.add(lines.get(next));
          newRows.add(parsed.get(next++));
          inserted.add(true);
        }
        tailLines.add(line);
        newRows.add(f);
        inserted.add(false);
      }
      while (next < lines.size()) {
        tailLines.add(lines.get(next));
        newRows.add(parsed.get(next++));
        inserted.add(true);
      }
      rowsParsed += lines.size();
      java.nio.channels.FileChannel ch = null;
      Output o;
      try {
        ch =
            java.nio.channels.FileChannel.open(
                tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        transferFully(src, from, ch, tmp);
        ch.position(from);
        OutputStream raw = java.nio.channels.Channels.newOutputStream(ch);
        o =
            new Output(
                new BufferedWriter(
                    new OutputStreamWriter(
                        new NoSpaceCheck(tmp, raw), StandardCharsets.UTF_8.newEncoder())),
                raw);
        for (String line : tailLines) {
          o.writer().write(line);
          o.writer().write('\n');
        }
        o.writer().flush();
        // As reopenInserting's: the copy's writer goes on appending to the file it becomes.
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        try {
          if (ch != null) {
            ch.close();
          }
          Files.deleteIfExists(tmp);
        } catch (IOException c) {
          e.addSuppressed(c); // the write's failure is the one to report
        }
        throw e;
      }
      for (int i = 0; i < newRows.size(); i++) {
        each.accept(newRows.get(i), inserted.get(i));
      }
      return new Inserted(new CsvTable(file, o, header.size()), rowsParsed);
    } catch (IOException e) {
      throw new UncheckedIOException(cannotReopen(file, tmp, e), e);
    }
  }

  /**
   * The lines of {@code rows}, to be inserted into {@code file}: each as wide as {@code header},
   * else refused naming the file.
   */
  private static List<String> insertedLines(
      Path file, List<String> header, List<? extends List<?>> rows) {
    List<String> lines = new ArrayList<>(rows.size());
    for (List<?> r : rows) {
      if (r.size() != header.size()) {
        throw new IllegalArgumentException(
            file.getFileName() + ": row has " + r.size() + " fields, header has " + header.size());
      }
      lines.add(text(r));
    }
    return lines;
  }

  /** Whether the first line of the file {@code ch} reads is {@code header}. */
  private static boolean headerIs(java.nio.channels.FileChannel ch, List<String> header)
      throws IOException {
    byte[] b = new byte[(int) Math.min(ch.size(), 1 << 16)];
    readFully(ch, ByteBuffer.wrap(b), 0);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        String line = new String(b, 0, i, StandardCharsets.UTF_8);
        return line.indexOf('\r') < 0 && parseLine(line).equals(header);
      }
    }
    return false;
  }

  /**
   * Copies {@code src}'s first {@code count} bytes to {@code dst} by the kernel; fails as a full
   * disk where {@link #noSpaceFor} (or, having copied half, {@link #noSpaceMidRowFor}) says of
   * {@code dstPath}.
   */
  private static void transferFully(
      java.nio.channels.FileChannel src,
      long count,
      java.nio.channels.FileChannel dst,
      Path dstPath)
      throws IOException {
    if (count > 0 && full(noSpaceFor, dstPath)) {
      throw new IOException("No space left on device");
    }
    long limit = count;
    boolean half = count > 0 && full(noSpaceMidRowFor, dstPath);
    if (half) {
      limit = count / 2;
    }
    long done = 0;
    while (done < limit) {
      long n = src.transferTo(done, limit - done, dst);
      if (n <= 0) {
        throw new java.io.EOFException(dstPath + ": its file was cut while it was copied");
      }
      done += n;
    }
    if (half) {
      throw new IOException("No space left on device");
    }
  }

  private static void readFully(java.nio.channels.FileChannel ch, ByteBuffer b, long at)
      throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b, at + b.position());
      if (n < 0) {
        throw new java.io.EOFException();
      }
    }
  }

  /**
   * Writes a whole table ({@code header}, then {@code rows}) to {@code file} atomically: into a
   * temporary file in the same folder, then renamed over it, so a kill leaves the old file or the
   * new one, never a part.
   */
  public static void writeAll(Path file, List<String> header, List<? extends List<?>> rows) {
    StringBuilder sb = new StringBuilder();
    line(sb, header);
    for (List<?> r : rows) {
      if (r.size() != header.size()) {
        throw new IllegalArgumentException(
            file.getFileName() + ": row has " + r.size() + " fields, header has " + header.size());
      }
      line(sb, r);
    }
    writeAtomically(file, sb.toString());
  }

  /**
   * Writes {@code text} to {@code file} atomically: a temporary file in the same folder, then
   * renamed over {@code file}.
   */
  public static void writeAtomically(Path file, String text) {
    writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code bytes} to {@code file} atomically: into {@link #temporaryOf its temporary file}
   * in the same folder, then renamed over {@code file}, so a kill leaves the old file or the new
   * one, never a part (and at most the temporary file, which a resume of the folder deletes once it
   * is stale: {@link ResultsWriter#deleteStaleTemporaries}, called for the run folder and its plots
   * by a run's resume, for the compare's folders by a compare's). The temporary file is created as
   * any output is, with the process's umask: one from {@code Files.createTempFile} is owner-only,
   * and the rename would keep that.
   */
  public static void writeAtomically(Path file, byte[] bytes) {
    Path tmp = temporaryOf(file);
    try {
      Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // The write's failure is the one to report.
      }
      throw new UncheckedIOException(failed("write", file, tmp, e), e);
    }
  }

  /**
   * A new name for the temporary file that an atomic write or a reopen of {@code file} goes
   * through: {@code NAME.PID-RANDOM.tmp}, opened with {@code CREATE_NEW} (never one that is there,
   * nor through a link planted in its place). The random part keeps two processes apart where their
   * pids are equal (java is pid 1 in every container of an image), so a failover holder cut off
   * beside its successor on one shared folder never writes into the other's file.
   */
  public static Path temporaryOf(Path file) {
    return file.resolveSibling(
        file.getFileName()
            + "."
            + ProcessHandle.current().pid()
            + "-"
            + String.format("%016x", TEMPORARY_NAMES.nextLong())
            + ".tmp");
  }

  // File names only: nothing of an emulation depends on them.
  private static final java.security.SecureRandom TEMPORARY_NAMES =
      new java.security.SecureRandom();

  /**
   * Whether {@code name} is a temporary file of the file named {@code of}: {@code
   * of.PID-RANDOM.tmp}, or the {@code of.PID.tmp}, {@code of.tmp} and {@code ofDIGITS.tmp} of
   * earlier versions.
   */
  public static boolean isTemporaryOf(String name, String of) {
    if (!name.startsWith(of) || !name.endsWith(".tmp")) {
      return false;
    }
    String middle = name.substring(of.length(), name.length() - 4);
    return middle.isEmpty() || middle.matches("\\.?\\d+|\\.\\d+-[0-9a-f]{16}");
  }

  /** Whether {@code name} is a temporary file ({@link #isTemporaryOf}) of one of {@code files}. */
  public static boolean isTemporaryOfAny(String name, java.util.Collection<String> files) {
    return files.stream().anyMatch(of -> isTemporaryOf(name, of));
  }

  /** One row's line, without its line break. */
  private static String text(List<?> fields) {
    StringBuilder sb = new StringBuilder();
    line(sb, fields);
    return sb.substring(0, sb.length() - 1);
  }

  private static void line(StringBuilder sb, List<?> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(format(fields.get(i)));
    }
    sb.append('\n');
  }
}
