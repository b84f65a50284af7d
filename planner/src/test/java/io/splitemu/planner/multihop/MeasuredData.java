package io.splitemu.planner.multihop;

import io.splitemu.model.profile.MeasuredProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the measured MP-SL tables below the {@code splitemu.data} folder for tests. */
public final class MeasuredData {

  private MeasuredData() {}

  /** Reads {@code <name>_times.csv} and {@code <name>_memory.csv}; aborts when unset. */
  public static MeasuredProfile load(String name) {
    String data = System.getProperty("splitemu.data");
    if (data == null || data.isBlank()) {
      Assumptions.abort("splitemu.data is not set: skipping checks on the measured " + name);
    }
    Path dir = Path.of(data, "profiles", "mpsl-measured");
    Path times = dir.resolve(name + "_times.csv");
    Path memory = dir.resolve(name + "_memory.csv");
    for (Path p : new Path[] {times, memory}) {
      if (!Files.isRegularFile(p)) {
        throw new AssertionError("splitemu.data is set but " + p + " is missing");
      }
    }
    return MeasuredProfile.read(times, memory);
  }
}
