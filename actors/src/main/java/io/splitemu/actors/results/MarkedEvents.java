package io.splitemu.actors.results;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the plots and the report keep of a run's marked events (faults, recoveries, deadline drops:
 * {@link Plots#marked}), in memory bounded by the run's rounds, not by its events: a run of 10^5
 * devices whose availability churns or whose devices miss the deadline records that many rows per
 * round, which stay in {@code events.csv} only.
 *
 * <p>It keeps the first {@value #LISTED} rows (the report lists them), the number of rows, and per
 * kind the rounds it happened in (the breakdown's labels) and its distinct (round, emulated
 * instant) marks, the lines the plots draw, up to {@value #MARKS_PER_ROUND} in each round: beyond
 * that a round's earliest {@value #MARKS_PER_ROUND} are kept and the rows of the others are counted
 * as not drawn, so every round with such events keeps some (a cap over the whole run would spend
 * itself on the first round of a churning run and draw nothing after it). What it holds is a
 * function of the rows alone, whatever their order past the first {@value #LISTED}, so a rewound or
 * resumed run that reads its rows back holds what an uninterrupted run holds.
 */
public final class MarkedEvents {

  /** The most rows kept to be listed (the report's limit). */
  public static final int LISTED = Report.LIST_DEVICES_UP_TO;

  /** The most distinct emulated instants kept per kind in one round. */
  public static final int MARKS_PER_ROUND = 8;

  /** One marked instant: its round and emulated time (NaN: none recorded). */
  public record Mark(int round, double emulatedS) implements Comparable<Mark> {
    @Override
    public int compareTo(Mark o) {
      int c = Integer.compare(round, o.round);
      return c != 0 ? c : Double.compare(emulatedS, o.emulatedS);
    }
  }

  /** One kind's rounds and, per round, its kept instants, each with its number of rows. */
  private static final class Kind {
    private final NavigableMap<Integer, NavigableMap<Double, long[]>> byRound = new TreeMap<>();
    private long notDrawn;
  }

  private final List<EventRecord> first = new ArrayList<>();
  private long count;
  private final Map<String, Kind> kinds = new TreeMap<>();

  /** The summary of {@code events} (rows of kinds not marked are left out). */
  public static MarkedEvents of(List<EventRecord> events) {
    MarkedEvents m = new MarkedEvents();
    events.forEach(m::add);
    return m;
  }

  /**
   * The summary of the run in {@code runDir}'s {@code events.csv}, read one line at a time; empty
   * if it has no such file.
   */
  public static MarkedEvents read(Path runDir) {
    Path file = runDir.resolve("events.csv");
    MarkedEvents out = new MarkedEvents();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    CsvTable.forEachRow(
        file,
        f -> {
          if (f.size() == EventRecord.HEADER.size() && Plots.marked(f.get(2))) {
            out.add(
                new EventRecord(
                    f.get(0).isEmpty() ? Double.NaN : Double.parseDouble(f.get(0)),
                    Integer.parseInt(f.get(1)),
                    f.get(2),
                    f.get(3),
                    f.get(4)));
          }
        });
    return out;
  }

  /** Adds one row; a row of a kind not marked is ignored. */
  void add(EventRecord e) {
    if (!Plots.marked(e.kind())) {
      return;
    }
    count++;
    if (first.size() < LISTED) {
      first.add(e);
    }
    Kind k = kinds.computeIfAbsent(e.kind(), x -> new Kind());
    NavigableMap<Double, long[]> marks = k.byRound.computeIfAbsent(e.round(), r -> new TreeMap<>());
    Double t = e.emulatedS();
    long[] n = marks.get(t);
    if (n != null) {
      n[0]++;
    } else if (marks.size() < MARKS_PER_ROUND) {
      marks.put(t, new long[] {1});
    } else if (t.compareTo(marks.lastKey()) < 0) {
      // Keeps the round's earliest instants whatever the order the rows come in.
      marks.put(t, new long[] {1});
      k.notDrawn += marks.pollLastEntry().getValue()[0];
    } else {
      k.notDrawn++;
    }
  }

  /**
   * Lists the first rows in the file's order again once rows were inserted among its last ones (and
   * {@link #add added}): {@code tail} is the file's rows from some row to its end, in order, the
   * inserted ones among them. Only a list that reaches into the tail changes.
   */
  void relist(List<EventRecord> tail) {
    long inTail = tail.stream().filter(e -> Plots.marked(e.kind())).count();
    long before = count - inTail;
    if (before >= LISTED) {
      return;
    }
    first.subList((int) before, first.size()).clear();
    for (EventRecord e : tail) {
      if (first.size() < LISTED && Plots.marked(e.kind())) {
        first.add(e);
      }
    }
  }

  /** Forgets every row. */
  void clear() {
    first.clear();
    count = 0;
    kinds.clear();
  }

  /** The number of marked rows. */
  public long count() {
    return count;
  }

  /** The first {@value #LISTED} marked rows, in order. */
  public List<EventRecord> first() {
    return Collections.unmodifiableList(first);
  }

  /** The rounds in which a {@code kind} event happened. */
  public NavigableSet<Integer> rounds(String kind) {
    Kind k = kinds.get(kind);
    return k == null
        ? Collections.emptyNavigableSet()
        : Collections.unmodifiableNavigableSet(k.byRound.navigableKeySet());
  }

  /** The kept distinct marks of {@code kind}, in order of round and instant. */
  public NavigableSet<Mark> marks(String kind) {
    Kind k = kinds.get(kind);
    NavigableSet<Mark> out = new TreeSet<>();
    if (k != null) {
      k.byRound.forEach((r, marks) -> marks.keySet().forEach(t -> out.add(new Mark(r, t))));
    }
    return Collections.unmodifiableNavigableSet(out);
  }

  /**
   * The number of {@code kind} rows whose mark is not kept (past a round's {@value
   * #MARKS_PER_ROUND}).
   */
  public long notDrawn(String kind) {
    Kind k = kinds.get(kind);
    return k == null ? 0 : k.notDrawn;
  }

  /** The number of objects it keeps (rows, rounds, marks): bounded by the rounds, for tests. */
  int retained() {
    int n = first.size();
    for (Kind k : kinds.values()) {
      for (NavigableMap<Double, long[]> marks : k.byRound.values()) {
        n += 1 + marks.size();
      }
    }
    return n;
  }
}
