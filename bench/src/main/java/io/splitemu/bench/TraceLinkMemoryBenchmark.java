package io.splitemu.bench;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.LinkTiming;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Heap cost per device of trace-driven links: N devices all on one uplink and one downlink trace
 * file, built by {@link Emulation#links(Settings, int, boolean)} as a run builds them, each link
 * driven through two rounds (a probe and a transfer at the full band, and with shared traces one at
 * half of it), heap after full GCs compared with before the links existed.
 *
 * <p>A plain {@code main} rather than JMH: it measures retained heap, not time. Arguments: devices,
 * trace format, uplink file, downlink file, and {@code shared} for links whose share of the band
 * scales the trace (edgesplit, sfl-compute).
 *
 * <pre>
 * java -Xmx8g -cp bench/target/benchmarks.jar io.splitemu.bench.TraceLinkMemoryBenchmark \
 *   100000 mahimahi ../shared/data/traces/mahimahi/Verizon-LTE-short.up \
 *   ../shared/data/traces/mahimahi/Verizon-LTE-short.down shared
 * </pre>
 */
public final class TraceLinkMemoryBenchmark {
  private TraceLinkMemoryBenchmark() {}

  public static void main(String[] args) throws Exception {
    // A misspelt "shared" (or "[shared]" copied from a usage line) used to run without shares
    // and print figures for other links than asked.
    int unknown = args.length > 4 && !args[4].equals("shared") ? 4 : args.length > 5 ? 5 : -1;
    if (unknown >= 0) {
      System.err.println(
          "TraceLinkMemoryBenchmark: unknown argument '"
              + args[unknown]
              + "'; arguments: DEVICES FORMAT UPLINK DOWNLINK [shared]");
      System.exit(2);
    }
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    String format = args.length > 1 ? args[1] : "mahimahi";
    Path data = Path.of("../shared/data/traces/mahimahi");
    Path up = args.length > 2 ? Path.of(args[2]) : data.resolve("Verizon-LTE-short.up");
    Path down = args.length > 3 ? Path.of(args[3]) : data.resolve("Verizon-LTE-short.down");
    boolean shared = args.length > 4 && args[4].equals("shared");
    // Warm up the classes on a few devices of a scenario of their own, dropped before the base
    // reading: traces are read once per scenario and kept, so warming up on the measured one
    // would put its trace copy into the base and leave it out of the figures.
    drive(Emulation.links(load(devices, format, up, down), 10, shared), shared);

    long base = LinkChannelMemoryBenchmark.usedAfterGc();
    Settings s = load(devices, format, up, down);
    long start = System.nanoTime();
    List<Emulation.LinkPair> links = Emulation.links(s, devices, shared);
    long built = LinkChannelMemoryBenchmark.usedAfterGc();
    drive(links, shared);
    double seconds = (System.nanoTime() - start) / 1e9;
    long driven = LinkChannelMemoryBenchmark.usedAfterGc();
    double perDeviceBuilt = (double) (built - base) / devices;
    double perDevice = (double) (driven - base) / devices;
    System.out.printf(
        Locale.ROOT,
        "devices %d on one %s trace pair (%s, %s)%s: links built %.0f B/device; after two rounds"
            + " %.0f B/device (%.2f KiB, %.0f B/link); %.2f s%n",
        devices,
        format,
        up.getFileName(),
        down.getFileName(),
        shared ? ", shares scale the trace" : "",
        perDeviceBuilt,
        perDevice,
        perDevice / 1024,
        perDevice / 2,
        seconds);
    // Keep the links reachable until measured.
    System.out.println("(checksum " + links.size() + ")");
  }

  private static Settings load(int devices, String format, Path up, Path down) {
    return Settings.load(
        Path.of("scenarios/quickstart.conf"),
        List.of(
            "devices.count=" + devices,
            "links.kind=trace",
            "links.trace.format=" + format,
            "links.trace.uplink=[\"" + up.toAbsolutePath().normalize() + "\"]",
            "links.trace.downlink=[\"" + down.toAbsolutePath().normalize() + "\"]",
            "output.plots=false"));
  }

  /** Rounds 1 and 2 on every link: a probe and a transfer, and with shares one at half the band. */
  private static void drive(List<Emulation.LinkPair> pairs, boolean shared) {
    List<LinkTiming> all = new ArrayList<>();
    for (Emulation.LinkPair p : pairs) {
      all.add(p.up());
      all.add(p.down());
    }
    for (int round = 1; round <= 2; round++) {
      long t = (round - 1) * 60_000_000_000L;
      for (LinkTiming l : all) {
        l.round(round);
        l.probe(t, 15_000);
        l.arrival(t, 15_000, 1.0);
        if (shared) {
          l.arrival(t, 15_000, 0.5);
        }
      }
    }
  }
}
