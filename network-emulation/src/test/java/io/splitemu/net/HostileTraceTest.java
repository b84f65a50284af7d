package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.trace.MalformedTraceException;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extreme numbers of issue 15 give a one-line refusal naming file and line, or a right answer.
 */
class HostileTraceTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  private String refusal(String format, String content) throws IOException {
    Path f = write("t", content);
    return assertThrows(MalformedTraceException.class, () -> TraceFormats.byName(format).read(f))
        .getMessage();
  }

  @Test
  void pensieve_timeOrRateOf1e400_refusedWithLine() throws IOException {
    assertEquals(
        "t:2: expected a time in seconds in [-4000000000, 4000000000], got '1e400 5'",
        refusal("pensieve", "0 5\n1e400 5\n"));
    assertEquals(
        "t:2: expected a rate in Mbit/s in [0, 1000000000], got '1 1e400'",
        refusal("pensieve", "0 5\n1 1e400\n"));
  }

  @Test
  void pensieve_tinyExponents_readAsZeroWithoutWork() throws IOException {
    Trace t =
        TraceFormats.byName("pensieve")
            .read(write("t", "0 1e-999999999\n1e-999999999 1e-999999999\n2 1\n"));
    assertEquals(2_000_000_000L, t.passNanos());
    assertEquals(0.0, t.minBitsPerSecond());
    assertEquals(0.0, t.maxBitsPerSecond());
  }

  @Test
  void mahimahi_longMaxTimestamp_refusedWithLine() throws IOException {
    assertEquals(
        "t:3: expected one integer millisecond timestamp in [0, 4000000000000], got"
            + " '9223372036854775807'",
        refusal("mahimahi", "1\n2\n9223372036854775807\n"));
  }

  @Test
  void mahimahi_threeLinesSpanningAlmostTheLimit_statsWithoutAllocatingPerSecond()
      throws IOException {
    Trace t = TraceFormats.byName("mahimahi").read(write("t", "1\n2\n4000000000000\n"));
    assertEquals(4_000_000_000_000_000_000L, t.passNanos());
    assertEquals(0.0, t.minBitsPerSecond());
    assertEquals(24_000.0, t.maxBitsPerSecond()); // two packets in the first second
    assertEquals(3 * 12_000 / 4e9, t.meanBitsPerSecond(), 1e-12);
  }

  @Test
  void norwayRaw_byteCountOverflowingBitsTimes8000_refusedAsTooFast() throws IOException {
    assertEquals(
        "t:2: expected a rate of at most 1000000000000000 bit/s (1 Pbit/s), got"
            + " '1 1000 0 0 2000000000000000 1000'",
        refusal("norway-raw", "1 0 0 0 1000 1000\n1 1000 0 0 2000000000000000 1000\n"));
  }

  @Test
  void norwayRaw_columnsNotUsed_mustStillBeNumbers() throws IOException {
    String second = "\n1 1000 0 0 2000 1000\n";
    String six =
        "t:1: expected six numbers 'unix_s ms_since_start lat lon bytes interval_ms' with"
            + " interval_ms > 0, got ";
    assertEquals(
        six + "'x 0 59.8 10.6 1000 1000'",
        refusal("norway-raw", "x 0 59.8 10.6 1000 1000" + second));
    assertEquals(
        six + "'1 0 y 10.6 1000 1000'", refusal("norway-raw", "1 0 y 10.6 1000 1000" + second));
    assertEquals(
        "t:1: expected lon in [-180, 180], got '1 0 59.8 200 1000 1000'",
        refusal("norway-raw", "1 0 59.8 200 1000 1000" + second));
  }

  @Test
  void norwayRaw_largeButPhysicalByteCount_exactPositiveRate() throws IOException {
    // 1.2e15 bytes in 10,000 s: bytes * 8000 overflows a long, the rate is 9.6e11 bit/s
    Trace t =
        TraceFormats.byName("norway-raw")
            .read(write("t", "1 0 0 0 1200000000000000 10000000\n2 10000000 0 0 0 1\n"));
    assertEquals(9.6e11, t.meanBitsPerSecond(), 1e-3);
  }

  @Test
  void lineWithoutBreaks_refusedAtTheLengthCap() throws IOException {
    String msg = refusal("pensieve", "0 1\n" + "7".repeat(200_000));
    assertTrue(msg.startsWith("t:2: expected a line of at most 65536 characters, got '777"), msg);
    assertTrue(msg.length() < 200, msg);
  }

  @Test
  void csv_epochSecondsBeyondTheClock_refusedWithLine() throws IOException {
    assertEquals(
        "t:3: expected a time as seconds in column 'time' in [-4000000000, 4000000000], got"
            + " '1e19,1'",
        refusal("csv", "time,rate\n0,1\n1e19,1\n"));
  }
}
