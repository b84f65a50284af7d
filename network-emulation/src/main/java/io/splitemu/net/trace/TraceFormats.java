package io.splitemu.net.trace;

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
}
