package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.config.Settings;
import io.splitemu.net.ModulatedRate;
import io.splitemu.net.RateFunction;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.PacketLink;
import io.splitemu.net.trace.PacketTrace;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every device on one trace file reads one copy of it: the links of {@link Emulation#links} for a
 * trace scenario (per round, per share of the band) hold models on the same trace data, and a
 * device costs the same few allocations whatever the trace's length (issue 16: a million devices in
 * one JVM; each mahimahi link used to clone its whole trace, about 0.5 MB).
 *
 * <p>Runs on the shared traces of {@code splitemu.data}: skipped with that reason when it is unset,
 * failed when it is set and a trace is missing.
 */
class TraceLinksShareDataTest {

  private static final int DEVICES = 300;

  /** A file of the shared data folder: skips when splitemu.data is unset, fails when missing. */
  private static Path data(String relative) {
    String root = System.getProperty("splitemu.data", "");
    if (root.isBlank()) {
      Assumptions.abort("splitemu.data is not set: links sharing a real trace skipped");
    }
    Path p = Path.of(root).resolve(relative);
    if (!Files.isRegularFile(p)) {
      fail("splitemu.data is set to " + root + " but " + p + " is missing");
    }
    return p.toAbsolutePath().normalize();
  }

  /** The quickstart scenario with {@code devices} devices all on one uplink and one downlink. */
  private static Settings oneTrace(String format, Path up, Path down, int devices) {
    return Settings.load(
        GoldenRunsTest.scenarioDir().resolve("quickstart.conf"),
        List.of(
            "devices.count=" + devices,
            "links.kind=trace",
            "links.trace.format=" + format,
            "links.trace.uplink=[\"" + up.toString().replace("\\", "/") + "\"]",
            "links.trace.downlink=[\"" + down.toString().replace("\\", "/") + "\"]",
            "output.plots=false"));
  }

  private static Settings mahimahi(int devices) {
    return oneTrace(
        "mahimahi",
        data("traces/mahimahi/Verizon-LTE-short.up"),
        data("traces/mahimahi/Verizon-LTE-short.down"),
        devices);
  }

  /** The model a device's link times round {@code round} at {@code share} on. */
  private static LinkModel model(LinkTiming link, int round, double share) {
    return assertInstanceOf(EmulatedLink.class, link).model(round, share);
  }

  private static PacketTrace packetTrace(LinkTiming link, int round, double share)
      throws Exception {
    return assertInstanceOf(PacketLink.class, model(link, round, share)).trace();
  }

  /** The trace's own rate function under a link's model, unwrapping a share's degradation. */
  private static RateFunction traceRate(LinkTiming link, int round, double share) throws Exception {
    RateFunction r = assertInstanceOf(FluidLink.class, model(link, round, share)).bitsPerSecond();
    return r instanceof ModulatedRate m ? m.base() : r;
  }

  @Test
  void mahimahiLinks_ofEveryDevice_readOneTracePerFile() throws Exception {
    Settings s = mahimahi(DEVICES);
    for (boolean sharedTraces : new boolean[] {false, true}) {
      List<Emulation.LinkPair> links = Emulation.links(s, DEVICES, sharedTraces);
      assertEquals(DEVICES, links.size());
      PacketTrace up = packetTrace(links.get(0).up(), 1, 1.0);
      PacketTrace down = packetTrace(links.get(0).down(), 1, 1.0);
      assertNotSame(up, down);
      assertEquals("Verizon-LTE-short.up", up.name());
      assertEquals("Verizon-LTE-short.down", down.name());
      for (Emulation.LinkPair p : links) {
        for (int round = 1; round <= 2; round++) {
          for (double share : new double[] {1.0, 0.5, 0.125}) {
            assertSame(up, packetTrace(p.up(), round, share), "uplink " + round + " " + share);
            assertSame(
                down, packetTrace(p.down(), round, share), "downlink " + round + " " + share);
          }
        }
      }
    }
  }

  @Test
  void pensieveLinks_ofEveryDevice_shareOneRateFunctionPerFile() throws Exception {
    Path dir = data("traces/pensieve-norway-hsdpa-cooked/norway_bus_1").getParent();
    Settings s = oneTrace("pensieve", dir.resolve("norway_bus_1"), dir.resolve("norway_car_2"), 50);
    for (boolean sharedTraces : new boolean[] {false, true}) {
      List<Emulation.LinkPair> links = Emulation.links(s, 50, sharedTraces);
      RateFunction up = traceRate(links.get(0).up(), 1, 1.0);
      RateFunction down = traceRate(links.get(0).down(), 1, 1.0);
      assertNotSame(up, down);
      for (Emulation.LinkPair p : links) {
        for (int round = 1; round <= 2; round++) {
          for (double share : new double[] {1.0, 0.5}) {
            assertSame(up, traceRate(p.up(), round, share));
            assertSame(down, traceRate(p.down(), round, share));
          }
        }
      }
    }
  }

  /**
   * What one more device allocates, building its links and timing two rounds on them (a probe, a
   * transfer at the full band and one at a share), is far below one copy of its traces: the trace
   * is read once per {@code links} call, whatever the device count.
   */
  @Test
  void oneMoreDevice_allocatesFarLessThanItsTrace() {
    Settings small = mahimahi(DEVICES);
    Settings large = mahimahi(2 * DEVICES);
    long traceBytes = 8L * (58_655 + 69_367); // the two files' lines as longs
    allocated(small); // warm-up: class loading and the first compilations
    long perDevice = (allocated(large) - allocated(small)) / DEVICES;
    assertTrue(
        perDevice < traceBytes / 16,
        String.format(
            Locale.ROOT,
            "a device allocates %d B, its traces hold %d B: a link copies its trace",
            perDevice,
            traceBytes));
  }

  /** Bytes this thread allocates building the scenario's shared-trace links and timing 2 rounds. */
  private static long allocated(Settings s) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertTrue(threads.isThreadAllocatedMemoryEnabled(), "allocation counting is off");
    long before = threads.getCurrentThreadAllocatedBytes();
    List<Emulation.LinkPair> links = Emulation.links(s, s.devices().count(), true);
    for (int round = 1; round <= 2; round++) {
      long t = (round - 1) * 60_000_000_000L;
      for (Emulation.LinkPair p : links) {
        for (LinkTiming l : List.of(p.up(), p.down())) {
          l.round(round);
          l.probe(t, 15_000);
          l.arrival(t, 15_000, 1.0);
          l.arrival(t, 15_000, 0.5);
        }
      }
    }
    return threads.getCurrentThreadAllocatedBytes() - before;
  }
}
