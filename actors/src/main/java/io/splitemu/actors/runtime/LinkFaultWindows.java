package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.net.SeededStreams;
import io.splitemu.net.link.FaultSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The scenario's link faults on one direction of one device's link ({@code link-outage}, {@code
 * link-degradation}, {@code message-loss}, {@code partition}; docs/faults.md "Link faults"), as
 * windows whose ends may be round starts, resolved against the round starts known so far.
 */
final class LinkFaultWindows {

  /** A fault's window as the scenario gives it; {@code end} null: to the run's end. */
  private record Entry(
      String kind,
      Settings.FaultTime start,
      Settings.FaultTime end,
      double factor,
      double probability,
      long timeoutNs,
      Draws draws) {}

  /** A loss window [fromNs, toNs) on the attempts' send instants. */
  record Loss(long fromNs, long toNs, double probability, long timeoutNs, Draws draws) {}

  /**
   * A loss's seeded stream that counts its draws, so a checkpoint can hold its position as a number
   * and a restore take it back (the stream anew, the same draws skipped).
   */
  static final class Draws {
    private final long seed;
    private SplittableRandom rng;
    private long count;

    Draws(long seed) {
      this.seed = seed;
      this.rng = new SplittableRandom(seed);
    }

    /** The next draw in [0, 1). */
    double next() {
      count++;
      return rng.nextDouble();
    }

    /** The draws taken so far. */
    long count() {
      return count;
    }

    /** Back to the position after {@code n} draws. */
    void restore(long n) {
      rng = new SplittableRandom(seed);
      count = 0;
      while (count < n) {
        next();
      }
    }
  }

  /**
   * The windows as far as the round starts known so far place them.
   *
   * @param schedule the outages whose end is known, and every degradation (one whose end is not
   *     known yet runs on: the round that ends it has not started, so no transfer reaches it)
   * @param downForGoodNs the earliest start of an outage whose end is not known yet (no end, or a
   *     round that has not started), from which the link carries nothing this round or later;
   *     {@link LinkTiming#NEVER} if none
   * @param losses the loss windows, in the scenario's order
   */
  record Resolved(FaultSchedule schedule, long downForGoodNs, List<Loss> losses) {

    /**
     * The schedule's windows that have started by {@code ns} (each whole, its end included), the
     * rest left out: what a probe sent at {@code ns} can observe ({@link EmulatedLink#probe}).
     */
    FaultSchedule startedBy(long ns) {
      FaultSchedule.Builder b = FaultSchedule.builder();
      for (FaultSchedule.Window w : schedule.windows()) {
        if (w.fromNanos() > ns) {
          continue;
        }
        if (w.factor().signum() == 0) {
          b.outage(w.fromNanos(), w.toNanos());
        } else {
          // The factor came in as a double (new BigDecimal(double) is exact), so it goes back
          // unchanged.
          b.degradation(w.fromNanos(), w.toNanos(), w.factor().doubleValue());
        }
      }
      return b.build();
    }
  }

  private static final long UNKNOWN = -1;

  private final List<Entry> entries;
  // The rounds whose start some entry's window begins or ends at: the only round starts resolve
  // reads, so the only ones a link keeps (and checkpoints), however long the run.
  private final int[] namedRounds;

  private LinkFaultWindows(List<Entry> entries) {
    this.entries = List.copyOf(entries);
    TreeSet<Integer> named = new TreeSet<>();
    for (Entry e : entries) {
      for (Settings.FaultTime t : new Settings.FaultTime[] {e.start(), e.end()}) {
        if (t != null && t.atRoundStart()) {
          named.add(t.round());
        }
      }
    }
    this.namedRounds = named.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Whether some window begins or ends at round {@code round}'s start ({@code round = R}, {@code
   * until-round = R}); {@link #resolve} reads no other round's start.
   */
  boolean namesRound(int round) {
    return java.util.Arrays.binarySearch(namedRounds, round) >= 0;
  }

  /**
   * Device {@code device}'s faults on its uplink ({@code up}) or downlink, or null if it has none;
   * each loss draws from its own stream of the scenario seed, named by {@link #lossStream}.
   */
  static LinkFaultWindows of(Settings s, int device, boolean up) {
    List<Entry> entries = new ArrayList<>();
    String dir = up ? "up" : "down";
    for (int i = 0; i < s.faults().size(); i++) {
      Settings.Fault f = s.faults().get(i);
      boolean hits =
          f.devices().contains(device)
              && (f.kind().equals("partition")
                  || (isLinkKind(f.kind())
                      && (f.direction().equals("both") || f.direction().equals(dir))));
      if (!hits) {
        continue;
      }
      Draws draws =
          f.kind().equals("message-loss")
              ? new Draws(SeededStreams.seedFor(s.seed(), lossStream(s.faults(), i, device, dir)))
              : null;
      entries.add(
          new Entry(
              f.kind(),
              f.start(),
              f.end(),
              f.factor(),
              f.probability(),
              f.retransmitTimeoutNs(),
              draws));
    }
    return entries.isEmpty() ? null : new LinkFaultWindows(entries);
  }

  /**
   * The name of the stream that fault {@code i} ({@code message-loss}) draws device {@code
   * device}'s losses on its {@code dir} link from: {@code
   * faults/message-loss/<window>/p=<p>/timeout=<ns>/<direction>/device-<d>/<up|down>}, with {@code
   * #k} after the direction for the k-th earlier identical entry on that link. It is named by what
   * the fault is, not by its place in the list, so that adding, removing or reordering other faults
   * leaves the losses drawn as they were (two scenarios that say the same draw the same).
   */
  public static String lossStream(List<Settings.Fault> faults, int i, int device, String dir) {
    String key = lossKey(faults.get(i));
    int earlier = 0;
    for (int j = 0; j < i; j++) {
      Settings.Fault g = faults.get(j);
      if (g.kind().equals("message-loss")
          && g.devices().contains(device)
          && (g.direction().equals("both") || g.direction().equals(dir))
          && lossKey(g).equals(key)) {
        earlier++;
      }
    }
    return "faults/message-loss/"
        + key
        + (earlier == 0 ? "" : "#" + earlier)
        + "/device-"
        + device
        + "/"
        + dir;
  }

  /** What a loss fault is, apart from its devices and its place in the list. */
  private static String lossKey(Settings.Fault f) {
    return time(f.start())
        + "-"
        + (f.end() == null ? "end" : time(f.end()))
        + "/p="
        + f.probability()
        + "/timeout="
        + f.retransmitTimeoutNs()
        + "/"
        + f.direction();
  }

  private static String time(Settings.FaultTime t) {
    return t.atRoundStart() ? "round-" + t.round() : "at-" + t.atNs() + "ns";
  }

  /** Whether {@code kind} is a fault of one direction of a device's link. */
  static boolean isLinkKind(String kind) {
    return kind.equals("link-outage")
        || kind.equals("link-degradation")
        || kind.equals("message-loss");
  }

  /**
   * The windows placed by {@code roundStarts} (round -> its start, ns; the rounds started, or just
   * those {@link #namesRound} names: no other is read).
   */
  Resolved resolve(NavigableMap<Integer, Long> roundStarts) {
    FaultSchedule.Builder schedule = FaultSchedule.builder();
    long down = LinkTiming.NEVER;
    List<Loss> losses = new ArrayList<>();
    for (Entry e : entries) {
      long from = instant(e.start(), roundStarts);
      if (from == UNKNOWN) {
        continue; // its round has not started: no transfer of the rounds so far reaches it
      }
      long to = e.end() == null ? UNKNOWN : instant(e.end(), roundStarts);
      if (to != UNKNOWN && to <= from) {
        continue; // an end given as an instant before its round's start: an empty window
      }
      switch (e.kind()) {
        case "link-outage", "partition" -> {
          if (to == UNKNOWN) {
            down = Math.min(down, from);
          } else {
            schedule.outage(from, to);
          }
        }
        case "link-degradation" ->
            schedule.degradation(from, to == UNKNOWN ? Long.MAX_VALUE : to, e.factor());
        default ->
            losses.add(
                new Loss(
                    from,
                    to == UNKNOWN ? Long.MAX_VALUE : to,
                    e.probability(),
                    e.timeoutNs(),
                    e.draws()));
      }
    }
    return new Resolved(schedule.build(), down, List.copyOf(losses));
  }

  /** The loss streams' positions, in the scenario's order (a checkpoint's). */
  long[] drawCounts() {
    return entries.stream()
        .filter(e -> e.draws() != null)
        .mapToLong(e -> e.draws().count())
        .toArray();
  }

  /** Takes back what {@link #drawCounts} gave. */
  void restoreDrawCounts(long[] counts) {
    int k = 0;
    for (Entry e : entries) {
      if (e.draws() != null) {
        e.draws().restore(counts[k++]);
      }
    }
  }

  private static long instant(Settings.FaultTime t, NavigableMap<Integer, Long> roundStarts) {
    if (!t.atRoundStart()) {
      return t.atNs();
    }
    Long at = roundStarts.get(t.round());
    return at == null ? UNKNOWN : at;
  }
}
