package io.splitemu.bench;

import com.typesafe.config.ConfigFactory;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.Link;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.stream.Delivered;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.net.stream.ThrottledLink;
import io.splitemu.net.stream.Transfer;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Paced-mode fidelity of the throttled link stage: a stream of back-to-back messages over a static
 * link and a real trace, at several speedups, against the emulated (configured) schedule.
 *
 * <p>Throughput error compares bytes / (wall seconds x speedup), wall seconds from the pacing start
 * to the last emission, with bytes / emulated arrival of the last message. Delay error is |wall
 * emission - start - arrival / speedup| per message. A plain {@code main} rather than JMH, since it
 * measures wall-clock delivery, not operation cost.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.splitemu.bench.PacedFidelityBenchmark \
 *   [--trace FILE] [--wall-seconds 20] [--message-bytes 200000] [--speedups 1,10]
 *   [--static-mbps 8] [--propagation-ms 10]
 * </pre>
 */
public final class PacedFidelityBenchmark {
  private PacedFidelityBenchmark() {}

  private static final long MS = 1_000_000L;

  /** One measured run. */
  private record Row(
      String link,
      double speedup,
      int messages,
      double configuredMbps,
      double measuredMbps,
      double[] delayErrorMs,
      PacingLag.Snapshot lag,
      PacingLag.Snapshot timerLag,
      double wallSeconds) {}

  public static void main(String[] args) throws Exception {
    Path trace = Path.of("../shared/data/traces/pensieve-norway-hsdpa-cooked/norway_bus_1");
    double wallSeconds = 20;
    long messageBytes = 200_000;
    double[] speedups = {1, 10};
    double staticMbps = 8;
    long propagationMs = 10;
    for (int i = 0; i < args.length; i++) {
      String key = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + key + " needs a value");
      }
      String v = args[++i];
      switch (key) {
        case "--trace" -> trace = Path.of(v);
        case "--wall-seconds" -> wallSeconds = Double.parseDouble(v);
        case "--message-bytes" -> messageBytes = Long.parseLong(v);
        case "--speedups" ->
            speedups = Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
        case "--static-mbps" -> staticMbps = Double.parseDouble(v);
        case "--propagation-ms" -> propagationMs = Long.parseLong(v);
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + key
                    + "; expected --trace, --wall-seconds, --message-bytes, --speedups,"
                    + " --static-mbps or --propagation-ms");
      }
    }
    long prop = propagationMs * MS;
    LinkModel staticModel = FluidLink.constant(staticMbps * 1e6, prop);
    Trace t = TraceFormats.byName("pensieve").read(trace);
    LinkModel traceModel = t.link(EndPolicy.LOOP, prop);
    String staticName = String.format(Locale.ROOT, "static %.0f Mbit/s", staticMbps);
    String traceName =
        String.format(
            Locale.ROOT,
            "%s (mean %.2f Mbit/s, looped)",
            trace.getFileName(),
            t.meanBitsPerSecond() / 1e6);

    ActorSystem system =
        ActorSystem.create(
            "paced-fidelity",
            ConfigFactory.parseString(
                    "pekko.loglevel = WARNING\npekko.actor.provider = local\n"
                        + "pekko.stdout-loglevel = WARNING")
                .withFallback(ConfigFactory.defaultReference()));
    try {
      // warm-up: JIT the stage and the link models; not reported
      measure(system, "warm-up", () -> new Link("w", staticModel), messageBytes, 10, 2);
      measure(system, "warm-up", () -> new Link("w", traceModel), messageBytes, 10, 2);
      List<Row> rows = new ArrayList<>();
      for (double s : speedups) {
        rows.add(
            measure(
                system,
                staticName,
                () -> new Link("static", staticModel),
                messageBytes,
                s,
                wallSeconds));
        rows.add(
            measure(
                system,
                traceName,
                () -> new Link("trace", traceModel),
                messageBytes,
                s,
                wallSeconds));
      }
      print(rows, messageBytes, propagationMs);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Sends back-to-back messages filling about {@code wallSeconds} of wall time at speedup s. */
  private static Row measure(
      ActorSystem system,
      String name,
      Supplier<Link> link,
      long messageBytes,
      double speedup,
      double wallSeconds)
      throws Exception {
    // as many messages, all handed over at instant 0 (they queue FIFO), as the link finishes
    // within the emulated span wallSeconds x speedup
    long span = (long) (wallSeconds * speedup * 1e9);
    Link scratch = link.get();
    List<Transfer<Long>> transfers = new ArrayList<>();
    List<Long> arrivals = new ArrayList<>();
    for (long i = 0; ; i++) {
      long arrival = scratch.send(EmulatedInstant.ZERO, messageBytes).arrival().nanos();
      if (arrival > span && !transfers.isEmpty()) {
        break;
      }
      transfers.add(new Transfer<>(messageBytes, EmulatedInstant.ZERO, i));
      arrivals.add(arrival);
    }
    int n = transfers.size();
    long[] wall = new long[n];
    long[] emulated = new long[n];
    Pacing pacing = Pacing.pacedFromNow(speedup);
    // the same schedule as empty actions on the pacer thread (no stream, no actor), beside the
    // stage's wake-ups on that one thread: separates the thread's lateness from the hop into the
    // stream's actor
    Pacing timerOnly = Pacing.paced(speedup, pacing.clockStartNanoTime(), new PacingLag());
    for (long a : arrivals) {
      timerOnly.runAt(EmulatedInstant.ofNanos(a), () -> {});
    }
    List<Delivered<Long>> out =
        Source.from(transfers)
            .via(ThrottledLink.<Long>flow(link.get(), pacing))
            .map(
                d -> {
                  int i = (int) (long) d.payload();
                  wall[i] = System.nanoTime();
                  emulated[i] = d.arrival().nanos();
                  return d;
                })
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get((long) (wallSeconds * 3 + 60), TimeUnit.SECONDS);
    if (out.size() != n) {
      throw new IllegalStateException(name + ": " + out.size() + " of " + n + " delivered");
    }
    double[] err = new double[n];
    for (int i = 0; i < n; i++) {
      if (emulated[i] != arrivals.get(i)) {
        throw new IllegalStateException(name + ": paced instant differs from the link's");
      }
      double expectedWall = pacing.clockStartNanoTime() + emulated[i] / speedup;
      err[i] = Math.abs(wall[i] - expectedWall) / 1e6;
    }
    double bits = 8.0 * messageBytes * n;
    double emulatedSeconds = emulated[n - 1] / 1e9;
    double wallSpan = (wall[n - 1] - pacing.clockStartNanoTime()) / 1e9;
    return new Row(
        name,
        speedup,
        n,
        bits / emulatedSeconds / 1e6,
        bits / (wallSpan * speedup) / 1e6,
        err,
        pacing.lag().snapshot(),
        timerOnly.lag().snapshot(),
        wallSpan);
  }

  private static double percentile(double[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static void print(List<Row> rows, long messageBytes, long propagationMs) {
    System.out.printf(
        Locale.ROOT,
        "%n%d-byte messages back to back from instant 0, propagation %d ms%n%n",
        messageBytes,
        propagationMs);
    System.out.println(
        "| link | speedup | messages | wall s | configured Mbit/s | measured Mbit/s |"
            + " throughput error | delay error mean / p50 / p99 / max (ms) | stage lag max (ms) |"
            + " bare timer lag mean / max (ms) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Row r : rows) {
      double[] e = r.delayErrorMs().clone();
      Arrays.sort(e);
      double mean = Arrays.stream(e).average().orElse(0);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f | %d | %.1f | %.4f | %.4f | %.3f%% | %.3f / %.3f / %.3f / %.3f | %.3f"
              + " | %.3f / %.3f |%n",
          r.link(),
          r.speedup(),
          r.messages(),
          r.wallSeconds(),
          r.configuredMbps(),
          r.measuredMbps(),
          100 * Math.abs(r.measuredMbps() / r.configuredMbps() - 1),
          mean,
          percentile(e, 0.5),
          percentile(e, 0.99),
          e[e.length - 1],
          r.lag().maxNanos() / 1e6,
          r.timerLag().meanNanos() / 1e6,
          r.timerLag().maxNanos() / 1e6);
    }
  }
}
