package io.splitemu.actors.config;

import io.splitemu.net.trace.CsvOptions;
import io.splitemu.net.trace.MalformedTraceException;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trace files of {@code links.trace} ({@code kind = trace}), each with where the scenario names
 * it, read on first use and kept: a run reads them all while it is prepared ({@link #readAll},
 * before any results folder exists), and every link built on a file shares its one read trace
 * (trace objects are immutable), as do the scenarios of one JVM that name the same unchanged file.
 * A file that does not read is refused with one line naming the scenario's file and line, the key
 * ({@code splitemu.links.trace.uplink[2]} or {@code splitemu.links.trace.folder}), the trace's path
 * and the trace's line.
 */
public final class TraceFiles {

  private final Map<Path, String> where;
  private final String format;
  private final CsvOptions csv;
  private final ConcurrentHashMap<Path, Trace> read = new ConcurrentHashMap<>();

  /**
   * {@code where} maps each file (absolute, as the scenario resolves it) to how an error about it
   * starts ({@link SettingsReader#where}), the first key naming a file first.
   */
  TraceFiles(Map<Path, String> where, String format, CsvOptions csv) {
    this.where = Collections.unmodifiableMap(new LinkedHashMap<>(where));
    this.format = format;
    this.csv = csv;
  }

  /** The trace in {@code file}, read on the first call and kept. */
  public Trace get(Path file) {
    Trace t = read.get(file);
    return t != null ? t : read.computeIfAbsent(file, this::load);
  }

  /** Every file, absolute as the scenario resolves it, in the order the scenario names them. */
  public java.util.List<Path> files() {
    return java.util.List.copyOf(where.keySet());
  }

  /** Reads every file not read yet: a bad one fails here, with its key, path and line. */
  public void readAll() {
    for (Path p : where.keySet()) {
      get(p);
    }
  }

  /** A file as read: the same path, format, size and modification time read the same. */
  private record Read(Path file, String format, CsvOptions csv, long size, long modified) {}

  /**
   * The traces any scenario of this JVM holds, by file as read: the points of a sweep (each its own
   * scenario, all prepared before the first runs) share one copy of each trace. Weak: a trace no
   * scenario holds any more is not kept for a later one.
   */
  private static final Map<Read, WeakReference<Trace>> SHARED = new ConcurrentHashMap<>();

  private Trace load(Path file) {
    String at = where.getOrDefault(file, "splitemu.links.trace");
    Path shown = file.toAbsolutePath().normalize();
    try {
      Read key =
          new Read(
              shown, format, csv, Files.size(file), Files.getLastModifiedTime(file).toMillis());
      WeakReference<Trace> kept = SHARED.get(key);
      Trace t = kept == null ? null : kept.get();
      if (t == null) {
        t = TraceFormats.byName(format, csv).read(file);
        SHARED.values().removeIf(r -> r.get() == null);
        SHARED.put(key, new WeakReference<>(t));
      }
      return t;
    } catch (MalformedTraceException e) {
      throw new SettingsException(
          at + ": " + shown + e.afterFile() + " (read as links.trace.format = " + format + ")");
    } catch (IOException e) {
      throw new SettingsException(at + ": " + shown + ": cannot be read (" + e + ")");
    } catch (UncheckedIOException e) {
      throw new SettingsException(at + ": " + shown + ": cannot be read (" + e.getCause() + ")");
    } catch (OutOfMemoryError e) {
      // last resort: the readers hold about a trace's numbers, and those did not fit
      throw new SettingsException(at + ": " + shown + ": " + TraceFormats.tooLarge(file));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TraceFiles t
        && where.equals(t.where)
        && format.equals(t.format)
        && csv.equals(t.csv);
  }

  @Override
  public int hashCode() {
    return Objects.hash(where.keySet(), format, csv);
  }

  @Override
  public String toString() {
    return "TraceFiles" + where.keySet() + " as " + format;
  }
}
