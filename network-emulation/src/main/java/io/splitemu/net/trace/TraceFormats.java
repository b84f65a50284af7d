package io.splitemu.net.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The registry of trace formats by name; an unknown name fails and lists the known ones. */
public final class TraceFormats {
  private TraceFormats() {}

  private static final Map<String, TraceFormat> BUILT_IN = new TreeMap<>();

  static {
    for (TraceFormat f :
        new TraceFormat[] {LineFormats.MAHIMAHI, LineFormats.PENSIEVE, LineFormats.NORWAY_RAW}) {
      BUILT_IN.put(f.name(), f);
    }
  }

  public static Set<String> names() {
    TreeMap<String, TraceFormat> all = new TreeMap<>(BUILT_IN);
    all.put("csv", null);
    return all.keySet();
  }

  /** The format called {@code name}; {@code csv} is read with {@link CsvOptions#DEFAULT}. */
  public static TraceFormat byName(String name) {
    return byName(name, CsvOptions.DEFAULT);
  }

  public static TraceFormat byName(String name, CsvOptions csv) {
    if (name.equals("csv")) {
      return new CsvFormat(csv);
    }
    TraceFormat f = BUILT_IN.get(name);
    if (f == null) {
      throw new IllegalArgumentException(
          "unknown trace format '" + name + "', known formats: " + String.join(", ", names()));
    }
    return f;
  }

  /**
   * Why a trace file that ran out of memory is refused, for the line that names it: its size and
   * how to give the JVM more heap.
   */
  public static String tooLarge(Path file) {
    String size;
    try {
      size = String.format("%,d bytes", Files.size(file));
    } catch (IOException | RuntimeException e) {
      size = "size unknown";
    }
    return "too large to read in this JVM's heap of "
        + (Runtime.getRuntime().maxMemory() >> 20)
        + " MiB ("
        + size
        + "); give it more, e.g. SPLITEMU_JAVA_OPTS=-Xmx4g";
  }
}
