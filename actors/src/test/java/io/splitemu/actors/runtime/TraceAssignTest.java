package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.config.Settings;
import io.splitemu.net.ModulatedRate;
import io.splitemu.net.RateFunction;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.PacketLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code links.trace.assign = shuffled} shuffles the devices' trace pairs with one permutation for
 * both directions: a device keeps the pairing its lists were written with. The uplinks and the
 * downlinks used to be shuffled by two independent streams, so matched mahimahi {@code .up} and
 * {@code .down} files were split across carriers, and sfl-compute-norway (whose downlink list is
 * its uplink list rotated by one) gave devices the same trace both ways for seeds 1, 2 and 3.
 */
class TraceAssignTest {

  /** A file of the shared data folder: skips when splitemu.data is unset, fails when missing. */
  private static Path data(String relative) {
    String root = System.getProperty("splitemu.data", "");
    if (root.isBlank()) {
      Assumptions.abort("splitemu.data is not set: trace assignment on real traces skipped");
    }
    Path p = Path.of(root).resolve(relative);
    if (!Files.isRegularFile(p)) {
      fail("splitemu.data is set to " + root + " but " + p + " is missing");
    }
    return p.toAbsolutePath().normalize();
  }

  @Test
  void shuffled_matchedMahimahiPairs_stayTogether() {
    Path dir = data("traces/mahimahi/TMobile-LTE-short.up").getParent();
    List<String> carriers =
        List.of(
            "TMobile-LTE-short",
            "Verizon-LTE-short",
            "ATT-LTE-driving-2016",
            "TMobile-UMTS-driving",
            "Verizon-EVDO-driving");
    List<String> up = new ArrayList<>();
    List<String> down = new ArrayList<>();
    for (String c : carriers) {
      up.add("\"" + dir.resolve(c + ".up").toString().replace("\\", "/") + "\"");
      down.add("\"" + dir.resolve(c + ".down").toString().replace("\\", "/") + "\"");
    }
    for (long seed = 1; seed <= 5; seed++) {
      Settings s =
          Settings.load(
              GoldenRunsTest.scenarioDir().resolve("quickstart.conf"),
              List.of(
                  "seed=" + seed,
                  "devices.count=8",
                  "links.kind=trace",
                  "links.trace.format=mahimahi",
                  "links.trace.assign=shuffled",
                  "links.trace.uplink=" + up,
                  "links.trace.downlink=" + down,
                  "output.plots=false"));
      List<Emulation.LinkPair> links = Emulation.links(s, 8, false);
      Set<String> used = new HashSet<>();
      for (int d = 0; d < 8; d++) {
        String u = packetTraceName(links.get(d).up());
        String w = packetTraceName(links.get(d).down());
        assertTrue(u.endsWith(".up") && w.endsWith(".down"), u + " / " + w);
        assertEquals(
            u.substring(0, u.length() - 3),
            w.substring(0, w.length() - 5),
            "seed " + seed + ", device " + d + ": uplink and downlink of two carriers");
        used.add(u);
      }
      // 8 devices on 5 pairs: every pair is dealt before any is dealt twice.
      assertEquals(5, used.size(), "seed " + seed + ": " + used);
    }
  }

  /**
   * sfl-compute-norway's downlink list is its uplink list rotated by one, so that no device has the
   * same trace both ways; with the shuffle that holds for every seed (it did not for seeds 1, 2 and
   * 3: norway_bus_1 both ways).
   */
  @Test
  void shuffled_sflComputeNorway_noDeviceHasOneTraceBothWays() {
    data("traces/pensieve-norway-hsdpa-cooked/norway_bus_1");
    Path file = GoldenRunsTest.scenarioDir().resolve("sfl-compute-norway.conf");
    for (long seed = 1; seed <= 5; seed++) {
      List<String> sets = GoldenRunsTest.dataOverrides(file);
      sets.add("seed=" + seed);
      Settings s = Settings.load(file, sets);
      assertEquals("shuffled", s.links().traceAssign());
      int n = s.devices().count();
      List<Emulation.LinkPair> links = Emulation.links(s, n, false);
      for (int d = 0; d < n; d++) {
        assertNotSame(
            traceRate(links.get(d).up()),
            traceRate(links.get(d).down()),
            "seed " + seed + ", device " + d + " has one trace both ways");
      }
    }
  }

  @Test
  void tracePairs_roundRobin_isDeviceModCount() {
    assertArrayEquals(
        new long[] {0, 1, 2, 3, 4, 5, 0, 1}, Emulation.tracePairs(2, 3, 8, 7, "round-robin"));
    assertArrayEquals(new long[] {0, 1, 2, 0, 1}, Emulation.tracePairs(3, 3, 5, 7, "round-robin"));
  }

  /**
   * Lists of different lengths: shuffled deals the lcm(ups, downs) pairs of round-robin's period,
   * each once before any twice, in an order that depends on the seed.
   */
  @Test
  void tracePairs_shuffled_dealsEveryPairOfAPeriodOnce() {
    Set<String> orders = new HashSet<>();
    for (long seed = 1; seed <= 20; seed++) {
      long[] p = Emulation.tracePairs(2, 3, 12, seed, "shuffled");
      Set<Long> first = new HashSet<>();
      for (int d = 0; d < 6; d++) {
        assertTrue(p[d] >= 0 && p[d] < 6, "pair " + p[d]);
        first.add(p[d]);
        assertEquals(p[d], p[d + 6], "the order repeats after one period");
      }
      assertEquals(6, first.size(), "seed " + seed);
      orders.add(java.util.Arrays.toString(p));
      // Fewer devices than pairs: distinct pairs drawn from the whole period.
      long[] few = Emulation.tracePairs(1000, 999, 3, seed, "shuffled");
      assertEquals(3, java.util.Arrays.stream(few).distinct().count());
    }
    assertTrue(orders.size() > 10, "the seed barely changes the order: " + orders);
  }

  private static String packetTraceName(LinkTiming link) {
    return assertInstanceOf(PacketLink.class, ((EmulatedLink) link).model(1, 1.0)).trace().name();
  }

  private static RateFunction traceRate(LinkTiming link) {
    RateFunction r =
        assertInstanceOf(FluidLink.class, ((EmulatedLink) link).model(1, 1.0)).bitsPerSecond();
    return r instanceof ModulatedRate m ? m.base() : r;
  }
}
