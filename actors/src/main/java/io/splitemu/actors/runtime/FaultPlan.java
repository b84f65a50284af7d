package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SurvivalSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario's faults as the supervisor injects and records them, with the survival policy: every
 * fault of the list is a {@code fault} row of {@code events.csv} at its start, and each end a
 * {@code recovery} row (docs/faults.md).
 *
 * @param faults the scenario's faults, in list order (availability rows after the list's own)
 * @param survival what a round does without a device, and how FedAvg weights those present
 */
public record FaultPlan(List<Settings.Fault> faults, SurvivalSettings survival) {

  public FaultPlan {
    faults = List.copyOf(faults);
  }

  /** A scenario's faults and survival block. */
  public static FaultPlan of(Settings s) {
    return new FaultPlan(s.faults(), SurvivalSettings.of(s));
  }

  /** The faults of {@code hangs} (a setup built by hand), today's policies. */
  public static FaultPlan ofHangs(List<SupervisorSetup.Hang> hangs) {
    List<Settings.Fault> faults = new ArrayList<>();
    for (SupervisorSetup.Hang h : hangs) {
      faults.add(
          Settings.Fault.of(
              "device-hang",
              h.device(),
              h.round() > 0
                  ? Settings.FaultTime.ofRound(h.round())
                  : Settings.FaultTime.at(h.atNs()),
              "hangs[" + faults.size() + "]"));
    }
    return new FaultPlan(faults, SurvivalSettings.DEFAULT);
  }

  /**
   * Per device, the indexes in {@code faults} of its silences ({@code device-hang} and {@code
   * device-crash}, with or without an end), ascending (list order); a device listed twice in one
   * fault has it once. Built once per run: scanning every fault for each device whose silence ends
   * was quadratic in the fault count with an availability file (a fault per row).
   */
  public static Map<Integer, int[]> silencesByDevice(List<Settings.Fault> faults) {
    Map<Integer, List<Integer>> byDevice = new HashMap<>();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!f.kind().equals("device-hang") && !f.kind().equals("device-crash")) {
        continue;
      }
      for (int d : f.devices()) {
        List<Integer> of = byDevice.computeIfAbsent(d, k -> new ArrayList<>());
        if (of.isEmpty() || of.get(of.size() - 1) != i) {
          of.add(i);
        }
      }
    }
    Map<Integer, int[]> out = new HashMap<>();
    byDevice.forEach((d, of) -> out.put(d, of.stream().mapToInt(Integer::intValue).toArray()));
    return out;
  }

  /** The subjects of events.csv a fault hits: its devices, its hop, or the server or supervisor. */
  static List<String> subjects(Settings.Fault f) {
    List<String> out = new ArrayList<>();
    if (!f.devices().isEmpty()) {
      for (int d : f.devices()) {
        out.add("device-" + d);
      }
    } else if (f.hop() >= 0) {
      out.add("hop-" + f.hop());
    } else if (f.kind().equals("server-crash")) {
      out.add("edge-server");
    } else {
      out.add("supervisor");
    }
    return out;
  }

  /** What a fault does, in words (the detail of its row after its kind). */
  public static String effect(Settings.Fault f) {
    return switch (f.kind()) {
      case "device-crash" -> "device crashes, its state lost";
      case "device-hang" -> "device stops answering";
      case "device-slowdown" -> "device compute " + fmt(f.factor()) + "x slower";
      case "link-outage" -> "link carries nothing (" + f.direction() + ")";
      case "link-degradation" -> "link rate x " + fmt(f.factor()) + " (" + f.direction() + ")";
      case "message-loss" ->
          "messages lost with probability "
              + fmt(f.probability())
              + ", sent again after "
              + fmt(f.retransmitTimeoutNs() / 1e9)
              + " s ("
              + f.direction()
              + ")";
      case "partition" -> "device cut off from the edge server";
      case "server-crash" -> "edge server stops";
      case "hop-crash" -> "hop stops";
      default -> "supervisor stops";
    };
  }

  /**
   * What an empty window does: nothing (the detail of its one row, after its kind). {@code at = T,
   * until-round = R} whose round R starts at {@code roundStartNs}, at or before T: its row is at T;
   * {@code round = R, until = T} whose round R starts at {@code roundStartNs}, at or after T: its
   * row is at that start.
   */
  public static String emptyWindow(Settings.Fault f, long roundStartNs) {
    if (f.start().atRoundStart()) {
      return f.origin()
          + " ends ("
          + s(f.end().atNs())
          + ") before it starts (round "
          + f.start().round()
          + "'s start, "
          + s(roundStartNs)
          + "), so it has no effect";
    }
    return f.origin()
        + " ends (round "
        + f.end().round()
        + "'s start, "
        + s(roundStartNs)
        + ") before it starts, so it has no effect";
  }

  /** The fault's start and end as the scenario writes them. */
  public static String when(Settings.Fault f) {
    String start =
        f.start().atRoundStart() ? "round " + f.start().round() : "at " + s(f.start().atNs());
    if (f.end() == null) {
      return start;
    }
    return start
        + " until "
        + (f.end().atRoundStart() ? "round " + f.end().round() : s(f.end().atNs()));
  }

  private static String s(long ns) {
    return fmt(ns / 1e9) + " s";
  }

  static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
