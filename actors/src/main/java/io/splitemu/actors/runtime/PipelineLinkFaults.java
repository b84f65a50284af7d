package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.EventRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code fault} and {@code recovery} rows of MP-SL's link faults ({@code link-outage}, {@code
 * link-degradation}, {@code message-loss}, {@code partition}; docs/faults.md "Link faults"), the
 * same rows the barrier and split families write (Supervisor's generic fault rows), each once, in
 * the epoch it falls in: a start or end at {@code round = R} / {@code until-round = R} at each
 * device's own start of epoch R (where its aggregate arrived; the epoch's start, the previous
 * epoch's end, for a device that has none: given up before), one at an instant in the epoch whose
 * span holds it (epoch 1 takes any instant before its end, as the hang rows do); an instant after
 * the run's end has no row. A fault's rows precede the epoch's deadline rows.
 */
final class PipelineLinkFaults {

  private PipelineLinkFaults() {}

  /**
   * Epoch {@code e}'s rows of the link faults among {@code faults} (in list order: each fault's
   * {@code fault} rows, then its {@code recovery} rows, one per device), {@code starts} each
   * device's start of the epoch (null: none known). A window {@code at = T, until-round = R} that
   * {@code empty} finds empty for a device has one row, at T, that says so, and no recovery row.
   */
  static List<EventRecord> rows(
      List<Settings.Fault> faults,
      PipelineControl.EpochResult e,
      Map<Integer, Long> starts,
      PipelineControl.EmptyWindows empty) {
    List<EventRecord> out = new ArrayList<>();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!Emulation.isLinkFault(f.kind())) {
        continue;
      }
      String when = " (scenario fault, " + FaultPlan.when(f) + ")";
      for (int d : f.devices()) {
        long at = instantIn(f.start(), e, starts, d);
        if (at >= 0) {
          long until = empty.until(i, d);
          String effect = until >= 0 ? FaultPlan.emptyWindow(f, until) : FaultPlan.effect(f);
          out.add(
              new EventRecord(
                  at / 1e9, e.epoch(), "fault", "device-" + d, f.kind() + ": " + effect + when, i));
        }
      }
      if (f.end() == null) {
        continue;
      }
      for (int d : f.devices()) {
        long at = instantIn(f.end(), e, starts, d);
        if (at >= 0 && f.start().reachedBy(e.epoch(), at) && empty.until(i, d) < 0) {
          out.add(
              new EventRecord(
                  at / 1e9,
                  e.epoch(),
                  "recovery",
                  "device-" + d,
                  f.kind() + ": fault over" + when,
                  i));
        }
      }
    }
    return out;
  }

  /** The instant of {@code t} for device {@code d} if it falls in epoch {@code e}, else -1. */
  private static long instantIn(
      Settings.FaultTime t, PipelineControl.EpochResult e, Map<Integer, Long> starts, int d) {
    if (t.atRoundStart()) {
      if (t.round() != e.epoch()) {
        return -1;
      }
      Long own = starts == null ? null : starts.get(d);
      return own == null ? e.startNs() : own;
    }
    boolean in = t.atNs() < e.endNs() && (e.epoch() == 1 || t.atNs() >= e.startNs());
    return in ? t.atNs() : -1;
  }
}
