package io.splitemu.actors.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code splitemu.cpsl} block: how the CPSL scheme clusters the devices, splits the spectrum
 * and chooses the cut (the two timescales of LATENCY-MODEL.md section 5).
 *
 * @param clusters M, the number of clusters per round (capped at the devices still running)
 * @param clustering gibbs, sorted, random or exhaustive
 * @param spectrum minmax (min-max allocation per phase) or equal (1/|C| each)
 * @param cut saa (sample average approximation over sampled network states), fixed ({@code
 *     model.cut} for the whole run) or schedule (the cut of round r is {@code cutSchedule[r-1]})
 * @param cutCandidates the cuts SAA considers; empty means every interior cut
 * @param cutSchedule the cut of each round under {@code cut = schedule}, the last entry holding
 *     after the list ends; ignored otherwise
 * @param replanEvery K: re-run SAA every K rounds; 0 means only at the start (and on drift)
 * @param driftThreshold re-run SAA as soon as the mean observed round latency since the last plan
 *     differs from its prediction by more than this fraction; 0 turns the trigger off
 * @param saaSamples S, the sampled network states per SAA
 * @param gibbsIterationsPerDevice Gibbs swap proposals per device
 * @param gibbsMaxIterations the most Gibbs proposals of one clustering; 0: no limit
 * @param gibbsExactMaxDevices the most devices Gibbs searches with exact cluster costs (each
 *     proposal re-solves both clusters); more devices take the incremental search
 */
public record CpslSettings(
    int clusters,
    String clustering,
    String spectrum,
    String cut,
    List<Integer> cutCandidates,
    List<Integer> cutSchedule,
    int replanEvery,
    double driftThreshold,
    int saaSamples,
    int gibbsIterationsPerDevice,
    int gibbsMaxIterations,
    int gibbsExactMaxDevices) {

  /** The clustering strategies the scheme accepts. */
  public static final List<String> CLUSTERINGS = List.of("gibbs", "sorted", "random", "exhaustive");

  /**
   * Scheme names that run CPSL with some settings replaced, so that {@code compare} can put CPSL
   * and its baselines side by side: {@code cpsl-random} is random clustering with equal spectrum
   * (no resource management), {@code cpsl-fixed} keeps {@code model.cut} all run.
   */
  public static final Map<String, String> ALIASES =
      Map.of(
          "cpsl-random", "clustering = random, spectrum = equal",
          "cpsl-fixed", "cut = fixed");

  /** Whether {@code scheme} is CPSL or one of its aliases. */
  public static boolean isCpsl(String scheme) {
    return scheme.equals("cpsl") || ALIASES.containsKey(scheme);
  }

  /** The settings a scheme runs with: these, with the alias's replacements applied. */
  public CpslSettings forScheme(String scheme) {
    switch (scheme) {
      case "cpsl-random":
        return new CpslSettings(
            clusters,
            "random",
            "equal",
            cut,
            cutCandidates,
            cutSchedule,
            replanEvery,
            driftThreshold,
            saaSamples,
            gibbsIterationsPerDevice,
            gibbsMaxIterations,
            gibbsExactMaxDevices);
      case "cpsl-fixed":
        return new CpslSettings(
            clusters,
            clustering,
            spectrum,
            "fixed",
            cutCandidates,
            cutSchedule,
            replanEvery,
            driftThreshold,
            saaSamples,
            gibbsIterationsPerDevice,
            gibbsMaxIterations,
            gibbsExactMaxDevices);
      default:
        return this;
    }
  }

  /** Reads the block below {@code r} (the reader of {@code splitemu.cpsl}). */
  public static CpslSettings read(SettingsReader r) {
    List<Integer> candidates = new ArrayList<>();
    List<Double> raw = r.numbers("cut-candidates");
    for (int i = 0; i < raw.size(); i++) {
      double c = raw.get(i);
      if (c != Math.rint(c) || c < 1) {
        throw r.error("cut-candidates", "expected whole cuts >= 1, element " + i + " is " + c);
      }
      candidates.add((int) c);
    }
    String cut = r.oneOf("cut", List.of("saa", "fixed", "schedule"));
    List<Integer> schedule = new ArrayList<>();
    List<Double> entries = r.numbers("cut-schedule");
    for (int i = 0; i < entries.size(); i++) {
      double c = entries.get(i);
      if (c != Math.rint(c) || c < 1) {
        throw r.error(
            "cut-schedule",
            "expected whole interior cuts >= 1, entry "
                + i
                + " (round "
                + (i + 1)
                + ") is "
                + (c == Math.rint(c) ? Long.toString((long) c) : Double.toString(c)));
      }
      schedule.add((int) c);
    }
    if (cut.equals("schedule") && schedule.isEmpty()) {
      throw r.error("cut-schedule", "cut = schedule needs at least one cut, e.g. [2, 4]");
    }
    return new CpslSettings(
        r.intIn("clusters", 1, 1_000_000),
        r.oneOf("clustering", CLUSTERINGS),
        r.oneOf("spectrum", List.of("minmax", "equal")),
        cut,
        List.copyOf(candidates),
        List.copyOf(schedule),
        r.intIn("replan-every", 0, 1_000_000),
        r.numberIn("drift-threshold", 0, 1e6),
        r.intIn("saa-samples", 1, 100_000),
        r.intIn("gibbs-iterations-per-device", 1, 100_000),
        r.intIn("gibbs-max-iterations", 0, 1_000_000_000),
        r.intIn("gibbs-exact-max-devices", 0, 1_000_000_000));
  }
}
