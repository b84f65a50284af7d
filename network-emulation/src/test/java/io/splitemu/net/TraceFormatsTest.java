package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.splitemu.net.trace.CsvOptions;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.MalformedTraceException;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed lines are refused with file, line and expectation; the registry names its formats. */
class TraceFormatsTest {
  @TempDir Path dir;

  private String refusal(String format, String content) throws IOException {
    Path f = dir.resolve("bad-" + format);
    Files.writeString(f, content);
    return assertThrows(MalformedTraceException.class, () -> TraceFormats.byName(format).read(f))
        .getMessage();
  }

  @Test
  void afterFile_isTheMessageWithoutTheFileName_forACallerThatNamesThePath() {
    var line = new MalformedTraceException("up.log", 6, "two numbers", "9.0 abc");
    assertEquals(":6: expected two numbers, got '9.0 abc'", line.afterFile());
    assertEquals("up.log" + line.afterFile(), line.getMessage());
    var whole = new MalformedTraceException("up.log", "no samples");
    assertEquals(": no samples", whole.afterFile());
  }

  @Test
  void malformedLines_refusedWithFileLineAndExpectation() throws IOException {
    assertEquals(
        "bad-pensieve:3: expected two numbers 'seconds Mbit/s' separated by tabs or spaces, got"
            + " '1.0 abc'",
        refusal("pensieve", "0.0\t1\n\n1.0 abc\n"));
    assertEquals(
        "bad-mahimahi:2: expected one integer millisecond timestamp, got '1.5'",
        refusal("mahimahi", "0\n1.5\n"));
    assertEquals(
        "bad-mahimahi:3: expected a timestamp >= 0 and >= the previous line's 5, got '4'",
        refusal("mahimahi", "0\n5\n4\n"));
    assertEquals(
        "bad-norway-raw:1: expected six numbers 'unix_s ms_since_start lat lon bytes interval_ms'"
            + " with interval_ms > 0, got '1 2 3 4 5'",
        refusal("norway-raw", "1 2 3 4 5\n"));
    assertEquals(
        "bad-pensieve: expected at least two samples, got 1", refusal("pensieve", "0 1\n"));
  }

  @Test
  void unknownFormat_listsKnownOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TraceFormats.byName("pcap"));
    assertEquals(
        "unknown trace format 'pcap', known formats: csv, mahimahi, norway-raw, pensieve",
        e.getMessage());
  }

  @Test
  void csv_datePatternAndUnits_readAsUtcAndRebased() throws IOException {
    Path f = dir.resolve("log.csv");
    Files.writeString(
        f,
        "when,down_bps,note\n"
            + "2024-03-01 10:00:00.000,1000000,a\n"
            + "2024-03-01 10:00:00.500,-,gap\n"
            + "2024-03-01 10:00:01.500,3000000,b\n"
            + "2024-03-01 10:00:02.000,0,end\n");
    CsvOptions o = new CsvOptions("when", "yyyy-MM-dd HH:mm:ss.SSS", "down_bps", "bps", "-", ",");
    Trace t = TraceFormats.byName("csv", o).read(f);
    assertEquals(2_000_000_000L, t.passNanos());
    // 1 Mbit/s for 1.5 s plus 3 Mbit/s for 0.5 s
    assertEquals(0, new BigDecimal("3000000").compareTo(t.passCapacityBits()));
    // 2 Mbit: 1.5 Mbit by 1.5 s, then 0.5 Mbit at 3 Mbit/s = 1/6 s, rounded up to the ns
    assertEquals(
        1_666_666_667L,
        t.link(EndPolicy.LOOP, 0).deliveryInstant(EmulatedInstant.ZERO, 250_000).nanos());
  }

  @Test
  void csv_badRows_refusedWithLine() throws IOException {
    Path f = dir.resolve("x.csv");
    Files.writeString(f, "t,r\n0,1\n1,fast\n");
    CsvOptions o = new CsvOptions("t", "seconds", "r", "Mbps", "-", ",");
    assertEquals(
        "x.csv:3: expected a rate in Mbps in column 'r', got '1,fast'",
        assertThrows(MalformedTraceException.class, () -> TraceFormats.byName("csv", o).read(f))
            .getMessage());
    CsvOptions wrong = new CsvOptions("time", "seconds", "r", "Mbps", "-", ",");
    assertEquals(
        "x.csv: expected a header column 'time', the header has [t, r]",
        assertThrows(MalformedTraceException.class, () -> TraceFormats.byName("csv", wrong).read(f))
            .getMessage());
  }

  @Test
  void csv_headerNamingAReadColumnTwice_refusedWithLine() throws IOException {
    Path f = dir.resolve("dup.csv");
    Files.writeString(f, "\uFEFFtime,rate,time\n0,1,5\n1,2,6\n");
    CsvOptions o = new CsvOptions("time", "seconds", "rate", "Mbps", "-", ",");
    assertEquals(
        "dup.csv:1: the header names column 'time' twice (columns 1 and 3)",
        assertThrows(MalformedTraceException.class, () -> TraceFormats.byName("csv", o).read(f))
            .getMessage());
    // a column the trace does not read may repeat (spreadsheets leave empty names)
    Files.writeString(f, "time,,rate,\n0,,1,\n1,,2,\n");
    assertEquals(1_000_000_000L, TraceFormats.byName("csv", o).read(f).passNanos());
  }

  private Trace csv(String pattern, String content) throws IOException {
    Path f = dir.resolve("zoned.csv");
    Files.writeString(f, content);
    return TraceFormats.byName("csv", new CsvOptions("time", pattern, "rate", "Mbps", "-", ","))
        .read(f);
  }

  @Test
  void csv_namedZone_keepsTheClockChangeOfDst() throws IOException {
    String vv = "yyyy-MM-dd HH:mm:ss VV";
    // spring: 01:30 CET to 03:30 CEST is one hour (read as UTC it was two)
    assertEquals(
        3_600_000_000_000L,
        csv(vv, "time,rate\n2024-03-31 01:30:00 Europe/Oslo,1\n2024-03-31 03:30:00 Europe/Oslo,1\n")
            .passNanos());
    // autumn: 01:30 CEST to 03:30 CET is three hours
    assertEquals(
        3 * 3_600_000_000_000L,
        csv(vv, "time,rate\n2024-10-27 01:30:00 Europe/Oslo,1\n2024-10-27 03:30:00 Europe/Oslo,1\n")
            .passNanos());
    // the zone of each row counts, sub-second digits are kept
    assertEquals(
        1_250_000_000L,
        csv(
                "yyyy-MM-dd HH:mm:ss.SSS VV",
                "time,rate\n2024-06-01 12:00:00.000 Europe/Oslo,1\n"
                    + "2024-06-01 11:00:01.250 Europe/London,1\n")
            .passNanos());
  }

  @Test
  void csv_dateOnlyPattern_readsEachDayFromMidnight() throws IOException {
    Trace t = csv("yyyy-MM-dd", "time,rate\n2024-02-28,1\n2024-03-01,3\n");
    assertEquals(2 * 86_400_000_000_000L, t.passNanos());
    assertEquals(1e6, t.minBitsPerSecond());
  }

  @Test
  void byteOrderMark_isNoPartOfTheFirstLine() throws IOException {
    Path p = dir.resolve("bom-pensieve");
    Files.writeString(p, "\uFEFF0 1\n2 3\n");
    assertEquals(2_000_000_000L, TraceFormats.byName("pensieve").read(p).passNanos());
    Path m = dir.resolve("bom-mahimahi");
    Files.writeString(m, "\uFEFF0\n5\n");
    assertEquals(5_000_000L, TraceFormats.byName("mahimahi").read(m).passNanos());
    Path c = dir.resolve("bom.csv");
    Files.writeString(c, "\uFEFFtime,rate\n0,1\n2,1\n");
    assertEquals(2_000_000_000L, TraceFormats.byName("csv").read(c).passNanos());
  }

  @Test
  void csv_quotedHeaderAndCells_readAsTheirText() throws IOException {
    Path c = dir.resolve("quoted.csv");
    Files.writeString(c, "\"time\", \"rate\",\"note\"\n\"0\",\"1.5\",\"a \"\"b\"\"\"\n1,\"3\",x\n");
    Trace t = TraceFormats.byName("csv").read(c);
    assertEquals(1_000_000_000L, t.passNanos());
    assertEquals(1.5e6, t.minBitsPerSecond());
    Path wrong = dir.resolve("wrong.csv");
    Files.writeString(wrong, "\"t\",\"r\"\n0,1\n");
    assertEquals(
        "wrong.csv: expected a header column 'time', the header has [t, r]",
        assertThrows(MalformedTraceException.class, () -> TraceFormats.byName("csv").read(wrong))
            .getMessage());
  }

  @Test
  void notUtf8_refusedWithLineAndColumn() throws IOException {
    Path f = dir.resolve("latin1");
    Files.write(f, new byte[] {'0', ' ', '1', '\n', '1', ' ', '2', '\n', '2', ' ', (byte) 0xE9});
    assertEquals(
        "latin1:3: expected UTF-8 text (not the byte 0xE9 at column 3), got '2 \uFFFD'",
        assertThrows(MalformedTraceException.class, () -> TraceFormats.byName("pensieve").read(f))
            .getMessage());
  }
}
