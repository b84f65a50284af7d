package io.splitemu.actors.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Writes one run's results folder: {@code scenario.conf} at the start, the three CSV tables row by
 * row as the run records them, and {@code summary.json}, {@code plots/*.png} and {@code report.md}
 * at the end.
 *
 * <p>Every row of {@code rounds.csv} and {@code devices.csv} is flushed as it is written, so a run
 * that stops early keeps what it recorded. {@code events.csv} is in emulated-time order
 * (docs/faults.md "Recording"): the run records its events in the order its actors find them, not
 * always by instant (a fault passed during a visit is recorded at the visit's end, an mpsl epoch's
 * rows together at its end), so the writer holds the rows, sorts them by instant and, at each
 * round's row, writes the rows no later row can precede. On the barrier and split families ({@link
 * #settleEventsAtRoundEnd}) those are the rows at or before that round's end, written before its
 * row: the supervisor records no row before a round's end after its row. Otherwise (mpsl) those at
 * or before the previous round's end: every row of the runtime recorded after round R's row falls
 * at or after round R's start (a later round's rows at or after its start; a checkpoint's at round
 * R's end; the rows of epoch R + 1 at or after epoch R's aggregate, every device's start of R + 1
 * being its arrival, and that at or after R's start). A checkpoint, a crash's rewind and the end
 * write every row held (a checkpoint first, so that a run killed after it keeps every row before
 * it). A row no later row can precede is written as it comes: on the barrier and split families one
 * at or before the last round's end, and on every family a resume row. A row that still comes
 * earlier than the file's last one (on mpsl a link fault at a device's own start of epoch R + 1,
 * which can precede the end of epoch R, after R's checkpoint) is inserted in its place: the file is
 * copied once with it into a temporary file, renamed over it (the file is always the old whole one
 * or the new whole one). Where the file is in order the copy's head, up to the first row the
 * inserted rows precede (found by reading back from the end), is copied by the kernel, and only the
 * tail after it (a few rows) is parsed and written with them, so an insertion costs a few parsed
 * rows, not the file's (parsing the whole file each time made a 2,000-epoch run quadratic);
 * otherwise the whole file is copied one line at a time. That copy is the writer's only rewrite of
 * {@code events.csv} besides a resume's or a rewind's cut; it cannot happen on the barrier and
 * split families, so never under failover (which refuses mpsl, RunCommand), where a cut-off holder
 * could otherwise rename it over a successor's file. A row leaves the writer only once it is in the
 * file: a write that fails (a full disk) keeps it for the next round's row or the close, and a
 * failed copy leaves the file as it was, appended to in place. Rows at one instant stay in the
 * order the run recorded them, so the file is the run's rows sorted stably by instant: the same for
 * the same scenario and seed, and, since every row a resumed run writes again was recorded after
 * its checkpoint's row, the same after a {@code --resume}. Observers see each event as the run
 * records it (the live metrics count it then).
 */
public final class ResultsWriter implements Closeable, RecordObserver {

  // The kind of the events.csv row a resumed run records.
  private static final String RESUME = "resume";

  /**
   * The kinds of the events.csv rows that tell why a run ended with a failure line: a cluster run
   * that lost a member it cannot do without, or whose sends failed (Supervisor.onRemoteFailed). The
   * other failures end the run with their line only, and SIGTERM stops it at a checkpoint, after
   * which it writes no row.
   */
  static final Set<String> RUN_ENDING = Set.of("cluster-failure");

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private final Path dir;
  // The --failover token this JVM holds on the folder, or null (docs/cluster.md "Failover").
  private final FailoverToken token;
  private CsvTable roundsCsv;
  private CsvTable devicesCsv;
  private CsvTable eventsCsv;
  // The rows of rounds.csv, compacted (RoundRecord.compacted: a split scheme's per-device cut
  // list as a count per cut), for the summary, plots and report.
  private final List<RoundRecord> rounds = new ArrayList<>();
  // Device rows and events go to disk only (a run of many devices would otherwise hold every
  // row): the summary needs only their totals and the report its in-force table, folded as the
  // rows come (Report.InForce), so memory stays O(rounds + the table's rows) whatever the device
  // count: a round of more than 64 clusters (sl gives each device its own) holds its members cell
  // as at most 64 ranges of alike clusters, not a part per cluster, so that a run whose members
  // differ every round (churn) holds a short cell per round rather than about 15 B per device and
  // round (before the ranges). devices()/events() read the files back for tests.
  private long bytesUp;
  private long bytesDown;
  // Each device's latest row of devices.csv as the last resume or rewind kept it (one row per
  // device: what the live metrics show of the rounds read back); empty for a fresh run.
  private final Map<Integer, DeviceRecord> latestDeviceRows = new TreeMap<>();
  private int eventCount;
  private Report.InForce inForceRows = new Report.InForce();
  private final Map<String, Integer> eventKinds = new TreeMap<>();
  // The faults, recoveries and deadline drops, summed up in memory bounded by the rounds (a run
  // under churn records one per device and round).
  private final MarkedEvents marked = new MarkedEvents();
  // The rounds of the checkpoints this run was resumed from (its resume rows): a later round's row
  // comes from another process, whose wall clock started again.
  private final Set<Integer> resumedFrom = new TreeSet<>();
  // What ended the process a resume went on after, as "kind: detail" of its run-ending row the
  // resume's cut dropped (RUN_ENDING), or null: none was recorded (a kill, a failure without a
  // row).
  private String endedBefore;
  private final List<RecordObserver> observers = new ArrayList<>();
  // Each node's largest model memory the runtime published per round (split schemes), for the
  // summary; a rewind drops the rounds it discards. Only the rounds a rewind can still discard are
  // kept by round: those after the oldest checkpoint left in the folder (a crash goes back to a
  // checkpoint there, never further); the earlier ones are folded into each node's largest.
  private final TreeMap<Integer, Map<String, Long>> memoryByRound = new TreeMap<>();
  private final Map<String, Long> memorySettled = new HashMap<>();
  private int memorySettledUpTo;
  private boolean closed;
  // Whether a round's row settles its events (settleEventsAtRoundEnd).
  private boolean settleAtRoundEnd;
  // events.csv's rows not written yet, in the order they came (see the class comment), the latest
  // instant in the file, and how often a row earlier than it was inserted (for tests).
  private final List<EventRecord> heldEvents = new ArrayList<>();
  private double lastEventS = Double.NEGATIVE_INFINITY;
  private int eventsInserted;
  // Whether events.csv is in order: each row at or after the one before it, each with an instant
  // (an insertion then parses only its tail), and the rows insertions parsed (for tests).
  private boolean eventsOrdered = true;
  private long eventsParsed;
  // Tests only: false, every insertion reads and copies the whole file (reopenInserting).
  private boolean insertNearEnd = true;
  private static final Comparator<EventRecord> BY_INSTANT =
      Comparator.comparingDouble(EventRecord::emulatedS);

  private ResultsWriter(Path dir) {
    this(
        dir,
        CsvTable.create(dir.resolve("rounds.csv"), RoundRecord.HEADER),
        CsvTable.create(dir.resolve("devices.csv"), DeviceRecord.HEADER),
        CsvTable.create(dir.resolve("events.csv"), EventRecord.HEADER));
  }

  private ResultsWriter(Path dir, CsvTable rounds, CsvTable devices, CsvTable events) {
    this.dir = dir;
    this.token = FailoverToken.held(dir);
    this.roundsCsv = rounds;
    this.devicesCsv = devices;
    this.eventsCsv = events;
  }

  /**
   * A new folder name {@code <base>/<scenario>-<yyyyMMdd-HHmmss>}; a suffix {@code -2}, {@code
   * -3}... keeps it unique. The folder is not created.
   */
  public static Path newRunFolder(Path base, String scenario, Clock clock) {
    String stem = scenario + "-" + LocalDateTime.now(clock).format(STAMP);
    Path p = base.resolve(stem);
    for (int i = 2; Files.exists(p); i++) {
      p = base.resolve(stem + "-" + i);
    }
    return p;
  }

  /**
   * Creates and returns a new folder {@code <base>/<scenario>-<yyyyMMdd-HHmmss>}, or with a suffix
   * {@code -2}, {@code -3}... where that name is taken: each name is claimed with one atomic
   * create, so that runs started in the same second, in this process or others, never share a
   * folder.
   */
  public static Path reserveRunFolder(Path base, String scenario, Clock clock) {
    String stem = scenario + "-" + LocalDateTime.now(clock).format(STAMP);
    Path p = base.resolve(stem);
    try {
      Files.createDirectories(base);
      for (int i = 2; ; i++) {
        try {
          return Files.createDirectory(p);
        } catch (java.nio.file.FileAlreadyExistsException taken) {
          p = base.resolve(stem + "-" + i);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(IoReasons.cannotCreateFolder(p, e), e);
    }
  }

  /**
   * Creates {@code dir} (it may exist only if empty, or hold only its {@link FolderLock#FILE} and a
   * {@code --failover} holder's {@link FailoverToken#FILE}), writes the resolved scenario and opens
   * the tables.
   */
  public static ResultsWriter open(Path dir, String resolvedScenario) {
    try {
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new java.nio.file.FileAlreadyExistsException(dir.toString());
      }
      refuseNonEmpty(dir);
      // The folder first: a failure names it, not its plots folder.
      Files.createDirectories(dir);
      Files.createDirectories(dir.resolve("plots"));
      Files.writeString(dir.resolve("scenario.conf"), resolvedScenario, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(IoReasons.cannotCreateFolder(dir, e), e);
    }
    return new ResultsWriter(dir);
  }

  /**
   * Refuses in one line a folder {@code dir} that exists and holds anything but its {@link
   * FolderLock#FILE} and {@link FailoverToken#FILE}: a new run's results would mix with what it
   * holds.
   */
  public static void refuseNonEmpty(Path dir) throws IOException {
    if (Files.isDirectory(dir) && !holdsOnlyBookkeeping(dir)) {
      throw new IllegalArgumentException(
          "results folder " + dir + " is not empty; choose another --out");
    }
  }

  /** The results folder. */
  public Path dir() {
    return dir;
  }

  /** Lets {@code o} see every row recorded from now on. */
  public synchronized void observe(RecordObserver o) {
    observers.add(o);
  }

  /**
   * Records one round, and writes first the events held that no later row can precede: those at or
   * before this round's end where {@link #settleEventsAtRoundEnd} was called, else those at or
   * before the end of the round recorded before it. The round's row is written even if the events'
   * write fails (that failure is thrown after it).
   */
  public synchronized void round(RoundRecord r) {
    double before =
        rounds.isEmpty() ? Double.NEGATIVE_INFINITY : rounds.get(rounds.size() - 1).emulatedTimeS();
    RuntimeException failed = null;
    try {
      writeEvents(settleAtRoundEnd ? r.emulatedTimeS() : before);
    } catch (RuntimeException e) {
      failed = e;
    }
    if (!takenOver()) {
      roundsCsv.append(r.fields());
    }
    tally(r);
    for (RecordObserver o : observers) {
      o.onRound(r);
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Tells the writer that no row recorded after a round's row falls before that round's end (the
   * barrier and split families: the supervisor records every row at or after its current instant,
   * or, for a fault it passed during a visit, at the fault's instant once the visit is over, and a
   * round's end is its last visit's end): each round's events are then written with its row, before
   * it, as they were before events.csv was sorted. Not for mpsl, whose rows of epoch R + 1 can
   * precede epoch R's end.
   */
  public synchronized void settleEventsAtRoundEnd() {
    settleAtRoundEnd = true;
  }

  /** Records one device's round. */
  public synchronized void device(DeviceRecord d) {
    if (!takenOver()) {
      devicesCsv.append(d.fields());
    }
    tally(d);
    for (RecordObserver o : observers) {
      o.onDevice(d);
    }
  }

  /**
   * Records one event: the observers see it now, {@code events.csv} gets it in its place by
   * emulated instant, at the next round's row at the latest (see the class comment).
   */
  public synchronized void event(EventRecord recorded) {
    String note = token == null ? null : token.resumeNote();
    // A --failover holder's resume of a run whose holder was lost: its resume row says so.
    EventRecord e =
        note != null && recorded.kind().equals(RESUME)
            ? new EventRecord(
                recorded.emulatedS(),
                recorded.round(),
                recorded.kind(),
                recorded.subject(),
                recorded.detail() + "; " + note)
            : recorded;
    heldEvents.add(e);
    for (RecordObserver o : observers) {
      o.onEvent(e);
    }
    // What no later row can precede goes to the file at once, not only with the next round's row
    // (which, paced, can be an hour away): on the barrier and split families a row at or before
    // the last round's end (a resumed run's placements, a fault at the round's start); and a
    // resume row, where a resumed process took over (on mpsl a later row that precedes it, a link
    // fault at a device's own start of the epoch, is inserted in its place).
    double settled =
        settleAtRoundEnd && !rounds.isEmpty()
            ? rounds.get(rounds.size() - 1).emulatedTimeS()
            : Double.NEGATIVE_INFINITY;
    if (Double.compare(e.emulatedS(), settled) <= 0) {
      writeEvents(settled);
    } else if (e.kind().equals("resume")) {
      writeEvents(e.emulatedS());
    }
  }

  /**
   * Writes the events held at or before {@code upToS} (every one if infinite; one without an
   * instant, an empty field, at once, after the others: it has no place in time) in order of
   * instant, those at one instant in the order they came; a row earlier than the file's last is
   * inserted in its place.
   */
  private void writeEvents(double upToS) {
    if (heldEvents.isEmpty() || closed) {
      return;
    }
    writeHeldEvents(upToS);
  }

  /**
   * {@link #writeEvents} even once closed (close itself). A row leaves the held ones only once it
   * is in the file: a write that fails (a full disk) keeps the rest, and the next write, or the
   * close, tries them again, so no row is lost once the disk has room again.
   */
  private void writeHeldEvents(double upToS) {
    if (takenOver()) {
      return; // held, never written: the folder is another holder's
    }
    boolean all = upToS == Double.POSITIVE_INFINITY;
    List<EventRecord> ready = new ArrayList<>();
    for (EventRecord e : heldEvents) {
      if (all || Double.isNaN(e.emulatedS()) || Double.compare(e.emulatedS(), upToS) <= 0) {
        ready.add(e);
      }
    }
    if (ready.isEmpty()) {
      return;
    }
    ready.sort(BY_INSTANT); // stable: one instant's rows keep the order they came in
    if (eventsCsv == null) {
      reopenEvents(); // after a failed write: the file as it is, cut to its whole rows
    }
    Set<EventRecord> written = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    try {
      if (Double.compare(ready.get(0).emulatedS(), lastEventS) >= 0) {
        for (EventRecord e : ready) {
          try {
            eventsCsv.append(e.fields());
          } catch (RuntimeException failed) {
            // What the file got of the row is cut when it is reopened, and the row written again.
            eventsCsv.abandon();
            eventsCsv = null;
            throw failed;
          }
          written.add(e);
          tallyWritten(e);
        }
      } else {
        insertEvents(ready);
        written.addAll(ready);
      }
    } finally {
      heldEvents.removeIf(written::contains);
    }
  }

  /**
   * Writes {@code ready}, sorted, the first earlier than a row written: the file is copied with the
   * rows in their places and the copy renamed over it. Where the file is in order (every row at or
   * after the one before it, each with an instant: {@link #eventsOrdered}) the copy's head, up to
   * the first row that {@code ready}'s first precedes, is copied by the kernel and only the tail is
   * parsed ({@link CsvTable#reopenInsertingNearEnd}); the summary's tallies then take the inserted
   * rows and the report's list is put back in the file's order. Otherwise, or where that tail is
   * long, every row is read and copied ({@link CsvTable#reopenInserting}), and what the summary,
   * plots and report keep of the file is taken again in the new order. A copy that fails (a full
   * disk) leaves the file as it was, which is reopened for appending in place; the rows stay held.
   */
  private void insertEvents(List<EventRecord> ready) {
    eventsInserted++;
    eventsCsv.abandon(); // every row is on disk already
    eventsCsv = null;
    Path file = dir.resolve("events.csv");
    List<List<Object>> rows = ready.stream().map(EventRecord::fields).toList();
    java.util.function.BiPredicate<List<String>, List<String>> precedes =
        (row, old) -> Double.compare(number(row.get(0)), number(old.get(0))) < 0;
    try {
      if (eventsOrdered && insertNearEnd) {
        List<EventRecord> tail = new ArrayList<>();
        List<EventRecord> added = new ArrayList<>();
        CsvTable.Inserted done =
            CsvTable.reopenInsertingNearEnd(
                file,
                EventRecord.HEADER,
                rows,
                precedes,
                (f, inserted) -> {
                  EventRecord e = eventOf(f);
                  tail.add(e);
                  if (inserted) {
                    added.add(e);
                  }
                });
        if (done != null) {
          eventsCsv = done.table();
          eventsParsed += done.rowsParsed();
          for (EventRecord e : added) {
            tally(e);
            if (Double.isNaN(e.emulatedS())) {
              eventsOrdered = false; // the file's last row now, after the others
            } else if (e.emulatedS() > lastEventS) {
              lastEventS = e.emulatedS();
            }
          }
          marked.relist(tail);
          return;
        }
      }
      clearEventTally();
      eventsCsv =
          CsvTable.reopenInserting(
              file,
              EventRecord.HEADER,
              rows,
              precedes,
              f -> {
                eventsParsed++;
                tallyWritten(eventOf(f));
              });
    } catch (RuntimeException e) {
      try {
        reopenEvents();
      } catch (RuntimeException again) {
        e.addSuppressed(again); // tried again at the next write
      }
      throw e;
    }
  }

  /**
   * Reopens {@code events.csv} for appending in place, cut to its whole rows, and takes the
   * summary's tallies of it again.
   */
  private void reopenEvents() {
    clearEventTally();
    eventsCsv =
        CsvTable.reopenAppending(
            dir.resolve("events.csv"), EventRecord.HEADER, f -> tallyWritten(eventOf(f)));
  }

  private void writeAllEvents() {
    writeEvents(Double.POSITIVE_INFINITY);
  }

  private void tallyWritten(EventRecord e) {
    tally(e);
    if (Double.isNaN(e.emulatedS()) || e.emulatedS() < lastEventS) {
      eventsOrdered = false;
    }
    if (e.emulatedS() > lastEventS) { // false for NaN
      lastEventS = e.emulatedS();
    }
  }

  private void clearEventTally() {
    eventCount = 0;
    eventKinds.clear();
    marked.clear();
    resumedFrom.clear();
    lastEventS = Double.NEGATIVE_INFINITY;
    eventsOrdered = true;
  }

  /** How often a row earlier than {@code events.csv}'s last was inserted in its place (tests). */
  synchronized int eventsInserted() {
    return eventsInserted;
  }

  /**
   * The rows of {@code events.csv} its insertions parsed: the tail's and the inserted ones where
   * the head was copied by the kernel, every row where the file was read whole (tests).
   */
  synchronized long eventsParsed() {
    return eventsParsed;
  }

  /** Tests only: every later insertion reads and copies the whole file, as before 2026-12-07. */
  synchronized void insertByWholeCopy() {
    insertNearEnd = false;
  }

  // What the summary, plots and report need of each row (recorded now or read back).
  private void tally(RoundRecord r) {
    tally(r, true);
  }

  /**
   * {@code fold}: whether the report folds the rounds before it now (false while {@code rounds.csv}
   * is read back, before {@code devices.csv}).
   */
  private void tally(RoundRecord r, boolean fold) {
    RoundRecord kept = r.compacted(rounds.isEmpty() ? null : rounds.get(rounds.size() - 1));
    rounds.add(kept);
    // Only a cut of more than 64 per-device parts is kept other than it reads (as a count per cut).
    inForceRows.round(kept, !kept.cut().equals(r.cut()), fold);
  }

  private void tally(DeviceRecord d) {
    bytesUp += d.bytesUp();
    bytesDown += d.bytesDown();
    inForceRows.device(d, true);
  }

  /** How many rows, waiting rounds and cluster tallies the report's table holds (tests). */
  synchronized int reportHeld() {
    return inForceRows.held();
  }

  /** The characters of the cells the report's table holds (tests). */
  synchronized long reportHeldChars() {
    return inForceRows.heldChars();
  }

  private void tally(EventRecord e) {
    eventCount++;
    eventKinds.merge(e.kind(), 1, Integer::sum);
    // The plots and the report show only faults, recoveries and deadline drops (a split scheme
    // records a re-plan per device, so the other kinds are only counted).
    marked.add(e);
    if (e.kind().equals(RESUME)) {
      resumedFrom.add(e.round());
    }
  }

  @Override
  public void onRound(RoundRecord r) {
    round(r);
  }

  @Override
  public void onDevice(DeviceRecord d) {
    device(d);
  }

  @Override
  public void onEvent(EventRecord e) {
    event(e);
  }

  // What no file records goes straight to the observers (the live metrics).
  @Override
  public synchronized void onStart(
      long wallStartNanoTime, long pacingOriginNanoTime, double speedup) {
    for (RecordObserver o : observers) {
      o.onStart(wallStartNanoTime, pacingOriginNanoTime, speedup);
    }
  }

  @Override
  public synchronized void onProgress(ProgressRecord p) {
    for (RecordObserver o : observers) {
      o.onProgress(p);
    }
  }

  @Override
  public synchronized void onHop(HopRecord h) {
    for (RecordObserver o : observers) {
      o.onHop(h);
    }
  }

  @Override
  public synchronized void onPlan(DevicePlanRecord p) {
    for (RecordObserver o : observers) {
      o.onPlan(p);
    }
  }

  @Override
  public synchronized void onMemory(MemoryRecord m) {
    if (m.round() <= memorySettledUpTo) {
      memorySettled.merge(m.node(), m.bytes(), Math::max);
    } else {
      memoryByRound
          .computeIfAbsent(m.round(), r -> new HashMap<>())
          .merge(m.node(), m.bytes(), Math::max);
    }
    for (RecordObserver o : observers) {
      o.onMemory(m);
    }
  }

  /**
   * What the plots and the report keep of the marked events recorded so far (every held row written
   * first: it follows the file).
   */
  synchronized MarkedEvents marked() {
    writeAllEvents();
    return marked;
  }

  /**
   * The rounds recorded so far, {@link RoundRecord#compacted} (a cut of more than 64 per-device
   * parts as a count per cut; {@code rounds.csv} and {@link #readRounds} have it whole).
   */
  public synchronized List<RoundRecord> rounds() {
    return Collections.unmodifiableList(new ArrayList<>(rounds));
  }

  /**
   * Each device's latest row of {@code devices.csv} among the rows the last resume (or a crash's
   * rewind) kept, in round order then by device; empty for a fresh run. Holds one row per device,
   * whatever the rounds.
   */
  public synchronized List<DeviceRecord> latestDeviceRows() {
    List<DeviceRecord> out = new ArrayList<>(latestDeviceRows.values());
    out.sort(Comparator.comparingInt(DeviceRecord::round));
    return Collections.unmodifiableList(out);
  }

  /** The device rows recorded so far, read back from {@code devices.csv}. */
  public synchronized List<DeviceRecord> devices() {
    List<DeviceRecord> out = new ArrayList<>();
    for (List<String> f : CsvTable.read(dir.resolve("devices.csv"))) {
      out.add(deviceOf(f));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The events recorded so far, read back from {@code events.csv} (every held row written first).
   */
  public synchronized List<EventRecord> events() {
    writeAllEvents();
    List<EventRecord> out = new ArrayList<>();
    for (List<String> f : CsvTable.read(dir.resolve("events.csv"))) {
      out.add(eventOf(f));
    }
    return Collections.unmodifiableList(out);
  }

  private static double number(String field) {
    return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
  }

  /**
   * Closes the tables and writes {@code summary.json}, the plots and {@code report.md}; returns the
   * summary.
   */
  public synchronized Summary finish(
      String scenario, String scheme, long seed, double targetAccuracy, Map<String, Long> memory) {
    return finish(scenario, scheme, seed, targetAccuracy, memory, cut -> Map.of());
  }

  /**
   * {@link #finish(String, String, long, double, Map)} where {@code memoryAtCut} gives each node's
   * model bytes at a cut of the {@code cut} column (empty where it cannot tell): a node it covers
   * peaks at its largest over the cuts in force, and the report lists each cut's figures. A node's
   * memory the runtime published ({@link #onMemory}, split schemes) peaks at its largest too. A cut
   * of more than 64 per-device parts comes to {@code memoryAtCut} {@link RoundRecord#compacted} (no
   * node's memory can be told from it).
   */
  public synchronized Summary finish(
      String scenario,
      String scheme,
      long seed,
      double targetAccuracy,
      Map<String, Long> memory,
      Function<String, Map<String, Long>> memoryAtCut) {
    close();
    Map<String, Map<String, Long>> byCut = new LinkedHashMap<>();
    for (RoundRecord r : rounds) {
      byCut.computeIfAbsent(r.cut(), memoryAtCut);
    }
    Map<String, Long> peaks = new HashMap<>(memory);
    Map<String, Long> inForce = new HashMap<>();
    byCut.values().forEach(m -> m.forEach((node, b) -> inForce.merge(node, b, Math::max)));
    peaks.putAll(inForce);
    memorySettled.forEach((node, b) -> peaks.merge(node, b, Math::max));
    memoryByRound.values().forEach(m -> m.forEach((node, b) -> peaks.merge(node, b, Math::max)));
    Summary s =
        Summary.of(
            scenario, scheme, seed, rounds, resumedFrom, bytesUp, bytesDown, targetAccuracy, peaks);
    if (!mayWrite()) {
      return s; // another holder's folder: no summary, plots or report from this JVM
    }
    writeSummaryJson(dir.resolve("summary.json"), s);
    List<Path> plots = Plots.writeRun(dir.resolve("plots"), new Plots.Run(scheme, rounds, marked));
    inForceRows.finish();
    if (inForceRows.late()) {
      inForceRows = foldedFromFiles(inForceRows);
    }
    Report.write(
        dir.resolve("report.md"),
        new Report.Run(s, rounds, inForceRows, eventCount, eventKinds, marked, byCut),
        dir,
        plots);
    return s;
  }

  /**
   * The report's in-force table folded again from the rows kept and {@code devices.csv}, every row
   * tallied at once: a row came out of order ({@link Report.InForce#late}), which the runtime never
   * does. Only then does the writer hold a tally per round and cluster, for the moment.
   */
  private Report.InForce foldedFromFiles(Report.InForce was) {
    List<DeviceRecord> devices = new ArrayList<>();
    for (List<String> row : CsvTable.read(dir.resolve("devices.csv"))) {
      devices.add(deviceOf(row));
    }
    return Report.InForce.of(rounds, devices, was);
  }

  /** Writes a summary as one JSON object; NaN figures become {@code null}. */
  public static void writeSummaryJson(Path file, Summary s) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode o = json.createObjectNode();
    o.put("scenario", s.scenario());
    o.put("scheme", s.scheme());
    o.put("seed", s.seed());
    o.put("rounds", s.rounds());
    putNumber(o, "emulatedTimeSeconds", s.emulatedTimeS());
    putNumber(o, "wallTimeSeconds", s.wallTimeS());
    ObjectNode totals = o.putObject("totals");
    putNumber(totals, "deviceComputeSeconds", s.deviceComputeS());
    putNumber(totals, "serverComputeSeconds", s.serverComputeS());
    putNumber(totals, "communicationSeconds", s.communicationS());
    putNumber(totals, "aggregationSeconds", s.aggregationS());
    totals.put("bytesUp", s.bytesUp());
    totals.put("bytesDown", s.bytesDown());
    totals.put("failedParticipations", s.failedParticipations());
    putNumber(o, "finalAccuracy", s.finalAccuracy());
    putNumber(o, "bestAccuracy", s.bestAccuracy());
    putNumber(o, "targetAccuracy", s.targetAccuracy());
    putNumber(o, "timeToTargetSeconds", s.timeToTargetS());
    putNumber(o, "finalLoss", s.finalLoss());
    ObjectNode mem = o.putObject("peakModelMemoryBytes");
    new java.util.TreeMap<>(s.peakModelMemoryBytes()).forEach(mem::put);
    String text;
    try {
      text = json.writeValueAsString(o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    // Atomically: a kill while finishing leaves no summary rather than a torn one.
    CsvTable.writeAtomically(file, text);
  }

  /**
   * The summary {@link #writeSummaryJson} wrote to {@code file} (null figures as NaN): what {@code
   * compare --resume} keeps of a scheme that had finished. One line naming the file if it is no
   * such summary.
   */
  public static Summary readSummary(Path file) {
    try {
      com.fasterxml.jackson.databind.JsonNode o = new ObjectMapper().readTree(file.toFile());
      com.fasterxml.jackson.databind.JsonNode t = o.path("totals");
      Map<String, Long> memory = new TreeMap<>();
      o.path("peakModelMemoryBytes")
          .fields()
          .forEachRemaining(e -> memory.put(e.getKey(), e.getValue().asLong()));
      if (!o.path("scheme").isTextual() || !o.path("rounds").isInt()) {
        throw new IllegalArgumentException(file + ": not a run's summary (no scheme or rounds)");
      }
      return new Summary(
          o.path("scenario").asText(),
          o.path("scheme").asText(),
          o.path("seed").asLong(),
          o.path("rounds").asInt(),
          readNumber(o, "emulatedTimeSeconds"),
          readNumber(o, "wallTimeSeconds"),
          readNumber(t, "deviceComputeSeconds"),
          readNumber(t, "serverComputeSeconds"),
          readNumber(t, "communicationSeconds"),
          readNumber(t, "aggregationSeconds"),
          t.path("bytesUp").asLong(),
          t.path("bytesDown").asLong(),
          t.path("failedParticipations").asInt(),
          readNumber(o, "finalAccuracy"),
          readNumber(o, "bestAccuracy"),
          readNumber(o, "targetAccuracy"),
          readNumber(o, "timeToTargetSeconds"),
          readNumber(o, "finalLoss"),
          memory);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + file + ": " + IoReasons.reason(e, file), e);
    }
  }

  // A number as putNumber wrote it: null (not finite) reads as NaN.
  private static double readNumber(com.fasterxml.jackson.databind.JsonNode o, String key) {
    com.fasterxml.jackson.databind.JsonNode v = o.path(key);
    return v.isNumber() ? v.asDouble() : Double.NaN;
  }

  /**
   * The rows of results folder {@code dir}'s {@code rounds.csv}, as the writer recorded them (a
   * file of a build before {@code cpu_time_s} with that column empty).
   */
  public static List<RoundRecord> readRounds(Path dir) {
    List<RoundRecord> out = new ArrayList<>();
    for (List<String> f : CsvTable.read(dir.resolve("rounds.csv"))) {
      List<String> all = new ArrayList<>(f);
      while (all.size() < RoundRecord.HEADER.size()) {
        all.add("");
      }
      out.add(roundOf(all));
    }
    return out;
  }

  private static void putNumber(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4g", v);
  }

  /** Whether nothing was recorded: no round, device or event row. */
  public synchronized boolean recordedNothing() {
    return rounds.isEmpty() && !inForceRows.anyDevice() && eventCount == 0 && heldEvents.isEmpty();
  }

  /**
   * Takes back what {@link #open} wrote, for a run that never started and recorded nothing (a
   * cluster run whose members did not come): closes the tables, deletes {@code scenario.conf}, the
   * tables, {@code run-label.txt} and the empty {@code plots} and {@code checkpoints} folders, and
   * the folder itself unless {@code keepFolder} (it existed before the run, empty). A file this
   * writer did not make stays, and so does the folder holding it.
   */
  public synchronized void discard(boolean keepFolder) {
    close();
    if (!mayWrite()) {
      return; // another holder's folder: nothing of it is this JVM's to delete
    }
    try {
      Files.deleteIfExists(dir.resolve("scenario.conf"));
      for (String f : OWN_FILES) { // the tables among them
        Files.deleteIfExists(dir.resolve(f));
      }
      for (String sub : List.of("plots", "checkpoints")) {
        Path p = dir.resolve(sub);
        if (Files.isDirectory(p) && isEmpty(p)) {
          Files.delete(p);
        }
      }
      if (!keepFolder && holdsOnlyBookkeeping(dir)) {
        // The lock's file (and a --failover token) go with the folder (the run holding it ends).
        deleteBookkeeping(dir);
        Files.delete(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove the unused results folder " + dir + ": " + IoReasons.reason(e, dir), e);
    }
  }

  /**
   * Whether results folder {@code dir} holds a run's {@code scenario.conf} and not one row: each of
   * {@code rounds.csv}, {@code devices.csv} and {@code events.csv} missing or its header alone, no
   * summary and no {@code checkpoints} folder. A {@code --failover} holder lost before it recorded
   * anything leaves it so; a run started again in it from round 0 loses nothing.
   */
  public static boolean holdsNoRows(Path dir) {
    return Files.isRegularFile(dir.resolve("scenario.conf")) && recordsNoRows(dir);
  }

  /**
   * As {@link #holdsNoRows}, whatever its {@code scenario.conf}: missing or cut short (a start cut
   * off while it was written, as a full disk leaves it) as well.
   */
  public static boolean recordsNoRows(Path dir) {
    if (Files.exists(dir.resolve("summary.json")) || Files.exists(dir.resolve("checkpoints"))) {
      return false;
    }
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      Path f = dir.resolve(table);
      if (!Files.exists(f)) {
        continue;
      }
      try (var lines = Files.lines(f, StandardCharsets.UTF_8)) {
        if (lines.filter(l -> !l.isBlank()).limit(2).count() > 1) {
          return false;
        }
      } catch (IOException | UncheckedIOException e) {
        return false; // cannot be read: it may hold rows
      }
    }
    return true;
  }

  /**
   * Takes back what {@link #open} wrote into {@code dir}, which {@link #recordsNoRows}: {@code
   * scenario.conf}, the tables and the writer's other files, their temporary files older than
   * {@link #STALE_AFTER} (the resume's rule), and the empty {@code plots} folder, so that a run can
   * be started in it again. The lock's file and a {@code --failover} token stay; so does anything
   * else. Call it only where {@link #strayFiles} is empty: else the run's {@link #open} refuses the
   * folder once this took its {@code scenario.conf} (earlier on 2026-12-07 its caller did not
   * check).
   */
  public static void removeRowless(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve("scenario.conf"));
      for (String f : OWN_FILES) {
        Files.deleteIfExists(dir.resolve(f));
      }
      // Stale ones only (earlier on 2026-12-07 of any age): a younger one may be a write still
      // under way of the JVM that held the run, cut off but not yet ended where the lock does not
      // keep it out; strayFiles names it, so a caller that checked first finds none.
      deleteStaleTemporaries(dir, name -> CsvTable.isTemporaryOfAny(name, OWN_FILES));
      Path plots = dir.resolve("plots");
      if (Files.isDirectory(plots) && isEmpty(plots)) {
        Files.delete(plots);
      }
    } catch (IOException | UncheckedIOException e) {
      throw new UncheckedIOException(
          "cannot clear " + dir + " to start its run again: " + IoReasons.reason(asIo(e), dir),
          asIo(e));
    }
  }

  /**
   * What in results folder {@code dir} keeps a run from starting again from round 0 there, as
   * {@link #removeRowless} would leave it for {@link #open}, sorted: each entry but {@code
   * scenario.conf}, the writer's own files, their temporary files older than {@link #STALE_AFTER},
   * an empty {@code plots} folder, the lock's file, the {@code --failover} token's files and the
   * names in {@code alsoKept}. A younger temporary file is named with its age; an entry of a {@code
   * plots} folder as {@code plots/NAME}. Empty where there is no folder; the folder alone where it
   * cannot be listed.
   */
  public static List<String> strayFiles(Path dir, Set<String> alsoKept) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> stray = new ArrayList<>();
    try (var entries = Files.list(dir)) {
      long staleBefore = System.currentTimeMillis() - STALE_AFTER.toMillis();
      for (Path f : (Iterable<Path>) entries::iterator) {
        String name = f.getFileName().toString();
        if (name.equals("scenario.conf")
            || OWN_FILES.contains(name)
            || isBookkeeping(name)
            || alsoKept.contains(name)) {
          continue;
        }
        if (CsvTable.isTemporaryOfAny(name, OWN_FILES) && Files.isRegularFile(f)) {
          if (Files.getLastModifiedTime(f).toMillis() >= staleBefore) {
            stray.add(
                name
                    + " (a temporary file under "
                    + STALE_AFTER.toMinutes()
                    + " min old: a write still under way?)");
          }
          continue;
        }
        if (name.equals("plots") && Files.isDirectory(f)) {
          try (var plots = Files.list(f)) {
            plots.forEach(p -> stray.add("plots/" + p.getFileName()));
          }
          continue;
        }
        stray.add(name);
      }
    } catch (IOException | UncheckedIOException e) {
      return List.of(dir + " (cannot be listed: " + IoReasons.reason(asIo(e), dir) + ")");
    }
    Collections.sort(stray);
    return stray;
  }

  private static IOException asIo(Exception e) {
    return e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
  }

  /**
   * Whether {@code folder} holds nothing but, perhaps, its {@link FolderLock#FILE} and a {@code
   * --failover} holder's {@link FailoverToken#FILE} with its claim files: no results.
   */
  static boolean holdsOnlyBookkeeping(Path folder) throws IOException {
    try (var entries = Files.list(folder)) {
      return entries.allMatch(f -> isBookkeeping(f.getFileName().toString()));
    }
  }

  private static boolean isBookkeeping(String name) {
    return name.equals(FolderLock.FILE) || FailoverToken.isTokenFile(name);
  }

  /** Deletes {@code folder}'s {@link #holdsOnlyBookkeeping bookkeeping} files. */
  static void deleteBookkeeping(Path folder) throws IOException {
    List<Path> files;
    try (var entries = Files.list(folder)) {
      files = entries.filter(f -> isBookkeeping(f.getFileName().toString())).toList();
    }
    for (Path f : files) {
      Files.deleteIfExists(f);
    }
  }

  /**
   * Whether this JVM may still write into the folder: true without a {@code --failover} token, else
   * one read of it ({@link FailoverToken#mayWrite()}).
   */
  private boolean mayWrite() {
    return token == null || token.mayWrite();
  }

  /**
   * Whether a write found the folder taken over by another holder of its {@code --failover} token
   * (no read).
   */
  private boolean takenOver() {
    return token != null && token.takenOver();
  }

  private static boolean isEmpty(Path folder) throws IOException {
    try (var entries = Files.list(folder)) {
      return entries.findAny().isEmpty();
    }
  }

  /**
   * Writes the events held and closes the tables, each even if an earlier step failed; the first
   * failure is thrown (the others suppressed in it). Once called, the writer is closed whatever
   * happens: a second call does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    try {
      if (!heldEvents.isEmpty()) {
        writeHeldEvents(Double.POSITIVE_INFINITY);
      }
    } catch (RuntimeException e) {
      first = e;
    }
    for (CsvTable t : java.util.Arrays.asList(roundsCsv, devicesCsv, eventsCsv)) {
      try {
        if (t != null) {
          t.close();
        }
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  // Checkpoints and resume (docs/runtime.md, "Checkpoints and resume").

  /** The checkpoints kept in a results folder: the newest two. */
  public static final int CHECKPOINTS_KEPT = 2;

  /** Whether {@code file} is named as a checkpoint ({@code round-R.ckpt}). */
  public static boolean isCheckpoint(Path file) {
    return file.getFileName().toString().matches("round-\\d+\\.ckpt");
  }

  /**
   * Checkpoint files by their round, oldest first: by number, not name, since from round 1,000,000
   * on the names outgrow their six digits ({@code round-1000000.ckpt} sorts before {@code
   * round-999999.ckpt} by name).
   */
  public static final Comparator<Path> BY_ROUND = Comparator.comparing(ResultsWriter::roundOf);

  /** The round a checkpoint file's name gives ({@link #isCheckpoint}), however many digits. */
  private static java.math.BigInteger roundOf(Path checkpoint) {
    String n = checkpoint.getFileName().toString();
    return new java.math.BigInteger(n.substring("round-".length(), n.indexOf('.')));
  }

  /**
   * Folds the memory of rounds up to checkpoint {@code oldest}'s (the oldest left in the folder: no
   * rewind discards them) into each node's largest.
   */
  private void settleMemoryUpTo(Path oldest) {
    int round = roundOf(oldest).min(java.math.BigInteger.valueOf(Integer.MAX_VALUE)).intValue();
    if (round <= memorySettledUpTo) {
      return;
    }
    memorySettledUpTo = round;
    Map<Integer, Map<String, Long>> settled = memoryByRound.headMap(round, true);
    settled.values().forEach(m -> m.forEach((node, b) -> memorySettled.merge(node, b, Math::max)));
    settled.clear();
  }

  /** How many rounds' memory the writer holds by round (tests). */
  synchronized int memoryRoundsHeld() {
    return memoryByRound.size();
  }

  /** The file of round {@code round}'s checkpoint in results folder {@code dir}. */
  public static Path checkpointFile(Path dir, int round) {
    return dir.resolve("checkpoints").resolve(String.format(Locale.ROOT, "round-%06d.ckpt", round));
  }

  /**
   * Writes every event held, then a checkpoint's bytes atomically (a temporary file in the same
   * folder, then renamed), then deletes all but the newest {@link #CHECKPOINTS_KEPT} and the
   * scheduled one a crash would restore ({@link CheckpointFile#keep}: SIGTERM's checkpoints and
   * their resumes' may outnumber it), and records a {@code checkpoint} event, written at once: a
   * run killed after its checkpoint's file keeps every row recorded before it, as a resume from it
   * needs (one killed before the row, after the file, leaves the file without its row, which the
   * resume writes: {@link #resume(Path, int, boolean, double)}). The memory of rounds up to the
   * oldest checkpoint kept is folded into each node's largest.
   */
  @Override
  public synchronized void onCheckpoint(CheckpointFile c) {
    if (!mayWrite()) {
      return; // another holder's folder: its checkpoints are the successor's
    }
    writeAllEvents();
    Path file = checkpointFile(dir, c.round());
    Path folder = file.getParent();
    try {
      Files.createDirectories(folder);
      CsvTable.writeAtomically(file, c.bytes());
      List<Path> all;
      try (var files = Files.list(folder)) {
        all = files.filter(ResultsWriter::isCheckpoint).sorted(BY_ROUND).toList();
      }
      Path keep = checkpointFile(dir, c.keep());
      Path oldestKept = null; // oldest first: the first not deleted
      for (int i = 0; i < all.size(); i++) {
        if (i < all.size() - CHECKPOINTS_KEPT
            && !all.get(i).getFileName().equals(keep.getFileName())) {
          Files.deleteIfExists(all.get(i));
        } else if (oldestKept == null) {
          oldestKept = all.get(i);
        }
      }
      if (oldestKept != null) {
        settleMemoryUpTo(oldestKept);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write checkpoint " + file + ": " + IoReasons.reason(e, file), e);
    }
    event(
        new EventRecord(
            c.emulatedS(),
            c.round(),
            "checkpoint",
            "supervisor",
            "checkpoints/" + file.getFileName() + " (" + c.bytes().length + " bytes)"));
    writeAllEvents();
  }

  /**
   * Reopens the results folder {@code dir} of a stopped run to go on after round {@code round}:
   * each table is cut to its rows of rounds up to {@code round} and opened for appending, and what
   * the summary, plots and report need of those rows is read back, so that they cover the whole
   * run.
   */
  public static ResultsWriter resume(Path dir, int round) {
    return resume(dir, round, false);
  }

  /**
   * {@link #resume(Path, int)}, and where {@code eventsInRoundOrder} (the barrier and split
   * families, whose rows of a round all come before the next round's: docs/faults.md "Order")
   * refuses an {@code events.csv} whose round column falls before the checkpoint's row. Not on
   * mpsl, whose link-fault rows of epoch R + 1 can come before epoch R's rows.
   */
  public static ResultsWriter resume(Path dir, int round, boolean eventsInRoundOrder) {
    return resume(dir, round, eventsInRoundOrder, Double.NaN);
  }

  /**
   * {@link #resume(Path, int, boolean)} from the checkpoint of round {@code round} taken at
   * emulated instant {@code checkpointS} (NaN: not known, as above): where {@code events.csv} has
   * no {@code checkpoint} row of that round (a run killed after the checkpoint's file but before
   * its row, which {@link #onCheckpoint} writes after the file), the row is written as the
   * uninterrupted run wrote it, the same fields in the same place (after the rows kept at or before
   * its instant), so that the resumed folder's rows are the uninterrupted run's.
   */
  public static ResultsWriter resume(
      Path dir, int round, boolean eventsInRoundOrder, double checkpointS) {
    if (!Files.isRegularFile(dir.resolve("scenario.conf"))) {
      throw new IllegalArgumentException(
          "results folder " + dir + " holds no scenario.conf; nothing to resume");
    }
    if (!FailoverToken.mayWrite(dir)) {
      throw new IllegalStateException(
          "results folder " + dir + " was taken over by another holder of its --failover token");
    }
    deleteStaleTemporaries(dir.resolve("checkpoints"), name -> true);
    deleteStaleTemporaries(dir, name -> CsvTable.isTemporaryOfAny(name, OWN_FILES));
    // The plots are written atomically too (before 2026-12-07 their temporary files stayed).
    deleteStaleTemporaries(
        dir.resolve("plots"), name -> CsvTable.isTemporaryOfAny(name, Plots.FILES));
    ResultsWriter w = new ResultsWriter(dir, null, null, null);
    EventCut cut = new EventCut(dir.resolve("events.csv"), round, eventsInRoundOrder);
    w.reopenTables(round, cut);
    w.endedBefore = cut.endedBefore;
    if (!cut.past && !Double.isNaN(checkpointS)) {
      try {
        w.restoreCheckpointRow(round, checkpointS);
      } catch (RuntimeException e) {
        try {
          w.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
        throw e;
      }
    }
    // A summary and a report of an earlier end would stand for rounds the resume writes again:
    // they go, and the resume's end writes them anew.
    for (String stale : List.of("summary.json", "report.md")) {
      Path f = dir.resolve(stale);
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        w.close();
        throw new UncheckedIOException("cannot delete " + f + ": " + IoReasons.reason(e, f), e);
      }
    }
    return w;
  }

  /**
   * Writes the {@code checkpoint} row of round {@code round}'s checkpoint, taken at emulated
   * instant {@code emulatedS}, that {@code events.csv} lacks, as {@link #onCheckpoint} writes it:
   * its bytes are its file's size.
   */
  private void restoreCheckpointRow(int round, double emulatedS) {
    Path file = checkpointFile(dir, round);
    long size;
    try {
      Path named = file;
      if (!Files.exists(file)) {
        // A name of other digits (the row names the one this build writes).
        try (var files = Files.list(file.getParent())) {
          named =
              files
                  .filter(
                      f ->
                          isCheckpoint(f) && roundOf(f).equals(java.math.BigInteger.valueOf(round)))
                  .findFirst()
                  .orElse(file);
        }
      }
      size = Files.size(named);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the size of checkpoint " + file + ": " + IoReasons.reason(e, file), e);
    }
    heldEvents.add(
        new EventRecord(
            emulatedS,
            round,
            "checkpoint",
            "supervisor",
            "checkpoints/" + file.getFileName() + " (" + size + " bytes)"));
    writeAllEvents();
  }

  /**
   * What ended the process this resume goes on after: {@code KIND: DETAIL} of the last run-ending
   * row ({@link #RUN_ENDING}, a {@code cluster-failure}) that the resume's cut dropped from {@code
   * events.csv}, or null where it dropped none (a process killed, or ended by a failure that writes
   * no row). Null for a writer that is not a resume's.
   */
  public synchronized String endedBefore() {
    return endedBefore;
  }

  /** The run folder's files that the writer replaces through a temporary file. */
  private static final java.util.Set<String> OWN_FILES =
      java.util.Set.of(
          "rounds.csv", "devices.csv", "events.csv", "summary.json", "report.md", "run-label.txt");

  /**
   * How old a temporary file must be before a resume deletes it: a write takes seconds, and a
   * younger one may be a live writer's (a failover holder cut off but not yet stopped).
   */
  static final java.time.Duration STALE_AFTER = java.time.Duration.ofMinutes(2);

  /**
   * Deletes what a write killed before its rename left in {@code folder} (a {@code *.tmp} file
   * whose name {@code ours} accepts, older than {@link #STALE_AFTER}): it is never read, and would
   * otherwise stay for good. Nothing where {@code folder} is not there. A resume's, of the files it
   * owns there ({@link CsvTable#isTemporaryOf}): a run's, and a compare's for its own folders.
   */
  public static void deleteStaleTemporaries(
      Path folder, java.util.function.Predicate<String> ours) {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (var files = Files.list(folder)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")
            && ours.test(name)
            && Files.isRegularFile(f)
            && Files.getLastModifiedTime(f).toMillis()
                < System.currentTimeMillis() - STALE_AFTER.toMillis()) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot clean " + folder + ": " + IoReasons.reason(e, folder), e);
    }
  }

  /**
   * Cuts each table to its rows of rounds up to {@code round} ({@code events.csv} to the rows
   * {@code keepEvent} accepts) and opens it for appending, reading back on the way what the
   * summary, plots and report need of the kept rows, one line at a time, so that they cover the
   * whole run.
   */
  private void reopenTables(int round, Predicate<List<String>> keepEvent) {
    rounds.clear();
    bytesUp = 0;
    bytesDown = 0;
    latestDeviceRows.clear();
    inForceRows = new Report.InForce();
    clearEventTally();
    // Each table is cut into a temporary file first, and the cuts replace the tables only once
    // all three are ready: a table that is missing or not a table (or a folder that cannot be
    // written) leaves every table as it was.
    List<CsvTable.Cut> cuts = new ArrayList<>();
    try {
      cuts.add(
          CsvTable.cut(
              dir.resolve("rounds.csv"),
              RoundRecord.HEADER,
              OLDER_ROUNDS_HEADERS,
              f -> upTo(f.get(0), round),
              f -> tally(roundOf(f), false)));
      checkContiguous(round);
      DeviceRounds deviceRounds = new DeviceRounds(dir.resolve("devices.csv"), round);
      cuts.add(
          CsvTable.cut(
              dir.resolve("devices.csv"),
              DeviceRecord.HEADER,
              List.of(),
              f -> deviceRounds.keep(f.get(0)),
              f -> {
                DeviceRecord d = deviceOf(f);
                tally(d);
                latestDeviceRows.put(d.device(), d);
              }));
      cuts.add(
          CsvTable.cut(
              dir.resolve("events.csv"),
              EventRecord.HEADER,
              List.of(),
              keepEvent,
              f -> tallyWritten(eventOf(f))));
    } catch (RuntimeException e) {
      cuts.forEach(CsvTable.Cut::discard);
      throw e;
    }
    // A commit that fails (its cut is deleted) leaves the tables committed before it cut and the
    // ones after it as they were: a rename cannot be undone. Best effort, so that no table stays
    // open and no cut stays behind as a temporary file: the remaining cuts are discarded and the
    // tables already opened closed; the resume fails with the commit's line.
    List<CsvTable> opened = new ArrayList<>();
    try {
      for (CsvTable.Cut c : cuts) {
        opened.add(c.commit());
      }
    } catch (RuntimeException e) {
      for (int i = opened.size(); i < cuts.size(); i++) {
        cuts.get(i).discard();
      }
      for (CsvTable t : opened) {
        try {
          t.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
      }
      throw e;
    }
    roundsCsv = opened.get(0);
    devicesCsv = opened.get(1);
    eventsCsv = opened.get(2);
  }

  /**
   * Refuses, naming {@code rounds.csv}, kept rows that are not rounds 1 to {@code round} each once
   * in order (rows deleted or edited before the checkpoint): the resumed run would go on with a
   * gap.
   */
  private void checkContiguous(int round) {
    for (int i = 0; i < rounds.size(); i++) {
      if (rounds.get(i).round() != i + 1) {
        throw new IllegalArgumentException(
            dir.resolve("rounds.csv")
                + ": row "
                + (i + 1)
                + " is of round "
                + rounds.get(i).round()
                + ", not "
                + (i + 1)
                + ": the rows before the checkpoint of round "
                + round
                + " must be rounds 1 to "
                + round
                + ", each once");
      }
    }
    if (rounds.size() != round) {
      throw new IllegalArgumentException(
          dir.resolve("rounds.csv")
              + ": holds "
              + rounds.size()
              + " rows of rounds up to "
              + round
              + ", not "
              + round
              + ": the rows before the checkpoint of round "
              + round
              + " must be rounds 1 to "
              + round
              + ", each once");
    }
  }

  /**
   * The events a resume from round {@code round}'s checkpoint keeps: those of rounds up to it that
   * stand before the checkpoint's own row. A row after that row comes from the stopped process's
   * timeline past the checkpoint, even at its round: a crash restored in that process writes its
   * rows at the round it went back to, and the resumed run strikes the crash again and writes them
   * again. Without the checkpoint's row (a folder that lost it), every row up to the round (and a
   * resume that knows the checkpoint's instant writes the row again). Of the rows it drops it keeps
   * the last run-ending one's kind and detail ({@link #endedBefore}; not one before a dropped
   * {@code resume} row: that ended an earlier process, whose resume row said so). Where {@code
   * inOrder}, it refuses, naming the row, a round column that is not a number or falls from one row
   * to the next, up to the checkpoint's row (after it the rows are dropped); but for a crash's
   * {@code fault} and {@code recovery} rows ({@link #isCrashRow}), which carry the round of the
   * checkpoint the crash goes back to and so may fall below the rows before them (a fault at an
   * instant inside the restart delay carries the round after it, and so does one at an instant
   * before the crash, which the rewind cut and the first redone round wrote again, placed by its
   * instant): such a row sets the order back to its round, and the rows after it must not fall
   * below that (before 2026-12-07 a resume refused the events.csv of every run with a crash that
   * had such a row before it).
   */
  private static final class EventCut implements Predicate<List<String>> {
    private final Path file;
    private final String round;
    private final int upTo;
    private final boolean inOrder;
    private boolean past;
    private int row;
    private int last;
    private String endedBefore;

    EventCut(Path file, int round, boolean inOrder) {
      this.file = file;
      this.round = Integer.toString(round);
      this.upTo = round;
      this.inOrder = inOrder;
    }

    @Override
    public boolean test(List<String> f) {
      row++;
      boolean keep = !past && keepBefore(f);
      if (!keep) {
        if (f.get(2).equals(RESUME)) {
          endedBefore = null;
        } else if (RUN_ENDING.contains(f.get(2))) {
          endedBefore = f.get(2) + ": " + f.get(4);
        }
      }
      return keep;
    }

    private boolean keepBefore(List<String> f) {
      if (inOrder) {
        int r = roundIn(file, row, f.get(1), upTo);
        if (r < last && !isCrashRow(f)) {
          throw new IllegalArgumentException(
              file
                  + ": row "
                  + row
                  + " is of round "
                  + r
                  + ", after a row of round "
                  + last
                  + ": "
                  + eventRule(upTo));
        }
        last = r;
      }
      if (f.get(2).equals("checkpoint") && f.get(1).equals(round)) {
        past = true;
        return true;
      }
      return upTo(f.get(1), upTo);
    }
  }

  /**
   * Whether {@code f} is a server or supervisor crash's {@code fault} or {@code recovery} row (its
   * detail starts with the fault's kind, as every fault and recovery row's): the supervisor records
   * both at the rewind, with the round of the checkpoint the crash goes back to (0: the run's
   * start).
   */
  private static boolean isCrashRow(List<String> f) {
    String kind = f.get(2);
    String detail = f.get(4);
    return (kind.equals("fault") || kind.equals("recovery"))
        && (detail.startsWith("server-crash: ") || detail.startsWith("supervisor-crash: "));
  }

  private static String eventRule(int round) {
    return "the rows up to the checkpoint of round "
        + round
        + " must be in round order (this scheme records a round's rows before the next round's;"
        + " only a server or supervisor crash's fault and recovery rows go back, to the round of"
        + " the checkpoint it restores)";
  }

  /**
   * The round of row {@code row} of {@code file}, whose round field is {@code field}; one that is
   * not a number is refused in one line naming the row.
   */
  private static int roundIn(Path file, int row, String field, int round) {
    try {
      return Integer.parseInt(field);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          file
              + ": row "
              + row
              + " has round \""
              + field
              + "\", not a number: "
              + (file.getFileName().toString().equals("events.csv")
                  ? eventRule(round)
                  : deviceRule(round)));
    }
  }

  /**
   * Refuses, naming {@code devices.csv} and the row, what a run never writes there (rows edited or
   * moved): a round column that is not a number, below 1, or falling from one row to the next
   * (every row, those after the checkpoint's round too: the run appends a round's rows after the
   * round before's, and a crash's rewind cuts the later ones first). Not checked: that a round has
   * rows, or how many (FORMATS.md ties neither to {@code rounds.csv}), so a whole round's rows
   * deleted, or one device's, still go unseen.
   */
  private static final class DeviceRounds {
    private final Path file;
    private final int round;
    private int row;
    private int last;

    DeviceRounds(Path file, int round) {
      this.file = file;
      this.round = round;
    }

    /** Whether the row whose round field is {@code field} is kept (of a round up to the cut's). */
    boolean keep(String field) {
      row++;
      int r = roundIn(file, row, field, round);
      if (r < 1 || r < last) {
        throw new IllegalArgumentException(
            file
                + ": row "
                + row
                + " is of round "
                + r
                + (r < 1 ? "" : ", after a row of round " + last)
                + ": "
                + deviceRule(round));
      }
      last = r;
      return r <= round;
    }
  }

  private static String deviceRule(int round) {
    return "its rows must be of rounds 1 and up, in round order, as a run writes them (the resume"
        + " from the checkpoint of round "
        + round
        + " keeps those of rounds 1 to "
        + round
        + ")";
  }

  /**
   * Cuts the tables back to their rows of rounds up to {@code round} and goes on appending, as a
   * resume does, in this process (a crash restored that round's checkpoint), and deletes the
   * checkpoints of later rounds: SIGTERM's, of the timeline the crash discarded (a crash restores
   * the newest scheduled one), which a later {@code --resume} must not go on from.
   */
  @Override
  public synchronized void onRewind(int round) {
    onRewind(round, Double.NaN);
  }

  /** As {@link #onRewind(int)}; the live metrics are told the checkpoint's instant too. */
  @Override
  public synchronized void onRewind(int round, double emulatedS) {
    deleteCheckpointsAfter(round);
    // The held rows of the rounds it discards would be cut; the others are written first.
    heldEvents.removeIf(e -> e.round() > round);
    writeAllEvents();
    roundsCsv.close();
    devicesCsv.close();
    if (eventsCsv != null) {
      eventsCsv.close();
    }
    reopenTables(round, f -> upTo(f.get(1), round));
    memoryByRound.tailMap(round, false).clear();
    // The live metrics hold the discarded rounds too (rounds recorded, the last round's gauges).
    for (RecordObserver o : observers) {
      o.onRewind(round, emulatedS);
    }
  }

  // Deletes the checkpoint files of rounds after round; one that cannot be deleted fails the run,
  // since a later --resume would go on from it, in the timeline the crash discarded.
  private void deleteCheckpointsAfter(int round) {
    Path folder = dir.resolve("checkpoints");
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (var files = Files.list(folder)) {
      for (Path f : files.filter(ResultsWriter::isCheckpoint).toList()) {
        String n = f.getFileName().toString();
        if (new java.math.BigInteger(n.substring("round-".length(), n.indexOf('.')))
                .compareTo(java.math.BigInteger.valueOf(round))
            > 0) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot delete the checkpoints after round "
              + round
              + " in "
              + folder
              + ": "
              + IoReasons.reason(e, folder),
          e);
    }
  }

  private static boolean upTo(String field, int round) {
    try {
      return Integer.parseInt(field) <= round;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The header of {@code rounds.csv} as builds before {@code cpu_time_s} wrote it: a {@code
   * --resume} of a folder one of them stopped goes on in it, its earlier rows with an empty {@code
   * cpu_time_s} (the CPU time was not recorded then).
   */
  static final List<List<String>> OLDER_ROUNDS_HEADERS =
      List.of(RoundRecord.HEADER.subList(0, RoundRecord.HEADER.indexOf("cpu_time_s")));

  private static RoundRecord roundOf(List<String> f) {
    return new RoundRecord(
        Integer.parseInt(f.get(0)),
        f.get(1),
        number(f.get(2)),
        number(f.get(3)),
        number(f.get(4)),
        number(f.get(5)),
        number(f.get(6)),
        number(f.get(7)),
        Integer.parseInt(f.get(8)),
        Integer.parseInt(f.get(9)),
        f.get(10),
        Integer.parseInt(f.get(11)),
        number(f.get(12)),
        number(f.get(13)),
        number(f.get(14)),
        number(f.get(15)));
  }

  private static DeviceRecord deviceOf(List<String> f) {
    return new DeviceRecord(
        Integer.parseInt(f.get(0)),
        Integer.parseInt(f.get(1)),
        Integer.parseInt(f.get(2)),
        f.get(3),
        number(f.get(4)),
        number(f.get(5)),
        number(f.get(6)),
        Long.parseLong(f.get(7)),
        Long.parseLong(f.get(8)),
        number(f.get(9)),
        Boolean.parseBoolean(f.get(10)));
  }

  private static EventRecord eventOf(List<String> f) {
    return new EventRecord(
        number(f.get(0)), Integer.parseInt(f.get(1)), f.get(2), f.get(3), f.get(4));
  }
}
