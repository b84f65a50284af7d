package io.splitemu.bench;

import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.EventRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One insertion of an event row among the last rows of {@code events.csv}, as the results writer
 * does on mpsl when a link fault at a device's own start of epoch R + 1 comes after R's checkpoint
 * row (docs/runtime.md, "Results files"): the whole-file copy ({@link CsvTable#reopenInserting},
 * every row read, parsed and written) against the copy of the head by the kernel and a parse of the
 * tail only ({@link CsvTable#reopenInsertingNearEnd}, what the writer uses on an ordered file).
 *
 * <p>The table has {@code rows} rows of the writer's format, one every 0.1 emulated s, with details
 * of the length of an mpsl fault row; the row inserted goes before the last three. Every invocation
 * starts from the same file (copied back outside the measured time), so the figure is the cost of
 * one insertion into a table of {@code rows} rows.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar EventsInsertionBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EventsInsertionBenchmark {

  @Param({"1000", "10000", "100000"})
  public int rows;

  private static final BiPredicate<List<String>, List<String>> BY_INSTANT =
      (row, old) ->
          Double.compare(Double.parseDouble(row.get(0)), Double.parseDouble(old.get(0))) < 0;

  private Path dir;
  private Path pristine;
  private Path file;
  private List<List<Object>> inserted;

  @Setup(Level.Trial)
  public void table() throws IOException {
    dir = Files.createTempDirectory("splitemu-events-bench");
    pristine = dir.resolve("pristine.csv");
    file = dir.resolve("events.csv");
    List<List<Object>> all = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      all.add(row(i * 0.1, i / 60 + 1, i % 60));
    }
    CsvTable.writeAll(pristine, EventRecord.HEADER, all);
    inserted = List.of(row((rows - 3) * 0.1 - 0.05, (rows - 3) / 60 + 1, 7));
  }

  private static List<Object> row(double at, int round, int device) {
    return new EventRecord(
            at,
            round,
            "fault",
            "device-" + device,
            "link-degradation up x0.5 until round " + (round + 1))
        .fields();
  }

  @Setup(Level.Invocation)
  public void fresh() throws IOException {
    Files.copy(pristine, file, StandardCopyOption.REPLACE_EXISTING);
  }

  @Benchmark
  public long wholeFile() {
    long[] seen = {0};
    CsvTable t =
        CsvTable.reopenInserting(file, EventRecord.HEADER, inserted, BY_INSTANT, f -> seen[0]++);
    t.close();
    return seen[0];
  }

  @Benchmark
  public long nearEnd() {
    long[] seen = {0};
    CsvTable.Inserted done =
        CsvTable.reopenInsertingNearEnd(
            file, EventRecord.HEADER, inserted, BY_INSTANT, (f, added) -> seen[0]++);
    if (done == null) {
      throw new IllegalStateException("the row did not go near the end");
    }
    done.table().close();
    return seen[0] + done.rowsParsed();
  }

  @TearDown(Level.Trial)
  public void delete() {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
      Files.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
