package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.link.LinkModel;
import io.splitemu.net.trace.CsvOptions;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shared trace: the bits deliverable over one pass equal an independent sum over the file's
 * lines, and a transfer of exactly that many bytes ends at the end of the pass.
 */
class RealTracesTest {
  private static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);

  @TempDir Path dir;

  private static List<Path> files(String folder) throws IOException {
    Path root = TestData.require("traces/" + folder, "capacity checks of the " + folder + " traces");
    try (Stream<Path> s = Files.walk(root)) {
      List<Path> out = s.filter(Files::isRegularFile).sorted().toList();
      assertFalse(out.isEmpty(), "no trace files in " + root);
      return out;
    }
  }

  /** Sum of rate x duration with times rounded to the nanosecond, as the reader documents. */
  private static BigDecimal pensieveSum(Path f) throws IOException {
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(f)) {
      if (!line.isBlank()) {
        rows.add(line.strip().split("\\s+"));
      }
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (int i = 0; i + 1 < rows.size(); i++) {
      BigDecimal dt = nanos(rows.get(i + 1)[0]).subtract(nanos(rows.get(i)[0]));
      sum = sum.add(new BigDecimal(rows.get(i)[1]).movePointRight(6).multiply(dt));
    }
    return sum.divide(NANOS);
  }

  private static BigDecimal nanos(String seconds) {
    return new BigDecimal(seconds).multiply(NANOS).setScale(0, RoundingMode.HALF_UP);
  }

  /** Checks the one-pass capacity and that exactly that many bytes end at the pass end. */
  private static void checkRatePass(Trace t, BigDecimal independentBits) {
    assertEquals(0, independentBits.compareTo(t.passCapacityBits()), t.name());
    LinkModel m = t.link(EndPolicy.LOOP, 0);
    EmulatedInstant end = EmulatedInstant.ofNanos(t.passNanos());
    assertEquals(0, independentBits.compareTo(m.capacityBits(EmulatedInstant.ZERO, end)));
    long bytes = independentBits.divide(BigDecimal.valueOf(8), 0, RoundingMode.FLOOR).longValue();
    assertTrue(!m.deliveryInstant(EmulatedInstant.ZERO, bytes).isAfter(end), t.name());
    assertTrue(m.deliveryInstant(EmulatedInstant.ZERO, bytes + 1).isAfter(end), t.name());
  }

  @Test
  void pensieveNorway_capacityEqualsSumOverLines() throws IOException {
    for (Path f : files("pensieve-norway-hsdpa-cooked")) {
      checkRatePass(TraceFormats.byName("pensieve").read(f), pensieveSum(f));
    }
  }

  @Test
  void pensieveFcc_capacityEqualsSumOverLines() throws IOException {
    for (Path f : files("pensieve-fcc-cooked")) {
      checkRatePass(TraceFormats.byName("pensieve").read(f), pensieveSum(f));
    }
  }

  @Test
  void mahimahi_capacityIs1500BytesPerLine_andLastByteAtPassEnd() throws IOException {
    for (Path f : files("mahimahi")) {
      List<String> lines = Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList();
      long last = Long.parseLong(lines.get(lines.size() - 1).strip());
      Trace t = TraceFormats.byName("mahimahi").read(f);
      assertEquals(last * 1_000_000L, t.passNanos());
      assertEquals(BigDecimal.valueOf(lines.size() * 12_000L), t.passCapacityBits());
      LinkModel m = t.link(EndPolicy.LOOP, 0);
      long bytes = lines.size() * (long) PacketTrace.PACKET_BYTES;
      assertEquals(t.passNanos(), m.deliveryInstant(EmulatedInstant.ZERO, bytes).nanos());
      // one byte more needs the next pass's first opportunity
      long first = Long.parseLong(lines.get(0).strip());
      assertEquals(
          (last + first) * 1_000_000L, m.deliveryInstant(EmulatedInstant.ZERO, bytes + 1).nanos());
    }
  }

  /** Raw rows: bytes x 8 / interval holds from this row's ms to the next row's. */
  @Test
  void norwayRaw_capacityMatchesSumOverLines() throws IOException {
    for (Path f : files("norway-hsdpa-raw")) {
      List<String[]> rows =
          Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(l -> l.split(" ")).toList();
      BigDecimal sum = BigDecimal.ZERO; // bit x ms / ms, exact as a fraction per row
      for (int i = 0; i + 1 < rows.size(); i++) {
        long dtMs = Long.parseLong(rows.get(i + 1)[1]) - Long.parseLong(rows.get(i)[1]);
        BigDecimal bits = BigDecimal.valueOf(Long.parseLong(rows.get(i)[4]) * 8 * dtMs);
        sum = sum.add(bits.divide(new BigDecimal(rows.get(i)[5]), 40, RoundingMode.HALF_EVEN));
      }
      Trace t = TraceFormats.byName("norway-raw").read(f);
      // rates like 288648 x 8000 / 1008 bit/s do not terminate: the reader keeps 30 decimals
      BigDecimal diff = sum.subtract(t.passCapacityBits()).abs();
      assertTrue(diff.compareTo(new BigDecimal("1e-15")) < 0, t.name() + " differs by " + diff);
      LinkModel m = t.link(EndPolicy.LOOP, 0);
      long bytes =
          t.passCapacityBits().divide(BigDecimal.valueOf(8), 0, RoundingMode.FLOOR).longValue();
      EmulatedInstant end = EmulatedInstant.ofNanos(t.passNanos());
      assertTrue(!m.deliveryInstant(EmulatedInstant.ZERO, bytes).isAfter(end), t.name());
      assertTrue(m.deliveryInstant(EmulatedInstant.ZERO, bytes + 1).isAfter(end), t.name());
    }
  }

  /**
   * None of the shared traces is CSV: a real raw cellular log is rewritten as CSV with a header,
   * extra rows holding '-' for missing values and a semicolon delimiter; it must read the same.
   */
  @Test
  void csv_realCellularLogWithMissingValues_agreesWithNorwayRaw() throws IOException {
    Path raw =
        TestData.require(
            "traces/norway-hsdpa-raw/bus.ljansbakken-oslo/report.2010-09-28_1407CEST.log",
            "the CSV reading of a real cellular log");
    StringBuilder csv = new StringBuilder("unix;elapsed_s;lat;lon;kbps\n");
    int i = 0;
    for (String line : Files.readAllLines(raw)) {
      String[] f = line.split(" ");
      BigDecimal kbps =
          BigDecimal.valueOf(Long.parseLong(f[4]) * 8)
              .divide(new BigDecimal(f[5]), 40, RoundingMode.HALF_EVEN); // bytes x 8 / ms
      String elapsed = new BigDecimal(f[1]).movePointLeft(3).toPlainString();
      csv.append(String.join(";", f[0], elapsed, f[2], f[3], kbps.toPlainString())).append('\n');
      if (i++ % 50 == 7) { // a dropped sample as a logger writes it
        csv.append(f[0]).append(";").append(elapsed).append(";-;-;-\n");
        csv.append("-;-;").append(f[2]).append(";").append(f[3]).append(";-\n");
      }
    }
    Path file = dir.resolve("bus.csv");
    Files.writeString(file, csv);
    CsvOptions opts = new CsvOptions("elapsed_s", "seconds", "kbps", "kbps", "-", ";");
    Trace fromCsv = TraceFormats.byName("csv", opts).read(file);
    Trace fromRaw = TraceFormats.byName("norway-raw").read(raw);
    assertEquals(fromRaw.passNanos(), fromCsv.passNanos());
    BigDecimal diff = fromRaw.passCapacityBits().subtract(fromCsv.passCapacityBits()).abs();
    assertTrue(diff.compareTo(new BigDecimal("1e-15")) < 0, "capacity differs by " + diff);
    LinkModel a = fromRaw.link(EndPolicy.LOOP, 0);
    LinkModel b = fromCsv.link(EndPolicy.LOOP, 0);
    for (long bytes : new long[] {1, 123_456, 10_000_000, 500_000_000}) {
      EmulatedInstant s = EmulatedInstant.ofSeconds(17.3);
      assertEquals(a.deliveryInstant(s, bytes), b.deliveryInstant(s, bytes), "bytes " + bytes);
    }
  }
}
