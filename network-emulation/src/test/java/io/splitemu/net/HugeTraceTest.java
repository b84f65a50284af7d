package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.net.trace.PacketTrace;
import io.splitemu.net.trace.TraceFormats;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trace is parsed while it is read: a reader holds about its final arrays, not every line, so a
 * large file loads in a heap not much larger than its numbers.
 */
class HugeTraceTest {
  @TempDir Path dir;

  /** Reads the mahimahi file {@code args[0]} and prints its lines and pass. */
  public static void main(String[] args) throws IOException {
    PacketTrace t = (PacketTrace) TraceFormats.byName("mahimahi").read(Path.of(args[0]));
    System.out.println(t.lines() + " lines, " + t.passMillis() + " ms");
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void mahimahiOfTwoMillionLines_loadsIn64MiBOfHeap() throws Exception {
    // 15 MB of text, 16 MB of timestamps; kept as lines before parsing it needed about 200 MB
    Path f = dir.resolve("huge.mahimahi");
    try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
      for (int i = 0; i < 2_000_000; i++) {
        w.write(Integer.toString(i));
        w.write('\n');
      }
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-Xmx64m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    HugeTraceTest.class.getName(),
                    f.toString()))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertEquals("2000000 lines, 1999999 ms", out.strip());
  }
}
