package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-device index of an MP-SL run's hangs and device faults gives each device what a scan of
 * every hang and fault for that device gives: its hangs in list order, then its faults' windows in
 * fault order, a fault listed twice twice (every entry is its own fault), and a slowdown keyed by
 * its index in the list; FaultPlan.silencesByDevice gives each device the indexes of its hangs and
 * crashes, in list order, as a scan of every fault does.
 */
class FaultsByDeviceTest {

  private static final String[] KINDS = {
    "device-crash", "device-hang", "device-slowdown", "link-outage", "hop-crash"
  };

  private static Settings.Fault fault(
      String kind, List<Integer> devices, Settings.FaultTime start, Settings.FaultTime end) {
    double factor = kind.equals("device-slowdown") ? 3.0 : Double.NaN;
    return new Settings.Fault(
        kind, devices, -1, start, end, factor, null, Double.NaN, -1, -1, "faults[0]");
  }

  @Test
  void aDeviceListedTwice_countsOnce_aFaultListedTwice_twice_hangsFirst() {
    Settings.Fault crash =
        fault("device-crash", List.of(4, 4), Settings.FaultTime.ofRound(2), null);
    Settings.Fault slow =
        fault(
            "device-slowdown", List.of(4), Settings.FaultTime.at(5), Settings.FaultTime.ofRound(3));
    Settings.Fault hangWithoutEnd =
        fault("device-hang", List.of(4), Settings.FaultTime.ofRound(1), null);
    PipelineControl.FaultsByDevice index =
        new PipelineControl.FaultsByDevice(
            List.of(hangWithoutEnd, slow, crash, slow, crash),
            List.of(new SupervisorSetup.Hang(4, 3, -1), new SupervisorSetup.Hang(7, -1, 9)));
    assertEquals(
        List.of(
            new PipelineRole.Window(3, -1, -1, -1), // the hang first
            new PipelineRole.Window(2, -1, -1, -1), // the crash, once per entry
            new PipelineRole.Window(2, -1, -1, -1)),
        index.silences(4));
    assertEquals(
        List.of(
            new PipelineRole.Slow(1, new PipelineRole.Window(-1, 5, 3, -1), 3.0),
            new PipelineRole.Slow(3, new PipelineRole.Window(-1, 5, 3, -1), 3.0)),
        index.slowdowns(4));
    assertEquals(List.of(new PipelineRole.Window(-1, 9, -1, -1)), index.silences(7));
    assertEquals(List.of(), index.slowdowns(7));
    assertEquals(List.of(), index.silences(0));
  }

  @Test
  void randomFaults_giveEveryDeviceWhatAScanForItGives() {
    Random r = new Random(16);
    for (int run = 0; run < 200; run++) {
      int devices = 1 + r.nextInt(12);
      List<Settings.Fault> faults = new ArrayList<>();
      for (int i = r.nextInt(8); i > 0; i--) {
        if (!faults.isEmpty() && r.nextInt(4) == 0) {
          faults.add(faults.get(r.nextInt(faults.size()))); // listed twice
          continue;
        }
        List<Integer> hit = new ArrayList<>();
        for (int k = r.nextInt(4); k > 0; k--) {
          hit.add(r.nextInt(devices));
        }
        Settings.FaultTime start =
            r.nextBoolean()
                ? Settings.FaultTime.ofRound(1 + r.nextInt(3))
                : Settings.FaultTime.at(r.nextInt(1000));
        Settings.FaultTime end =
            r.nextBoolean() ? null : Settings.FaultTime.ofRound(4 + r.nextInt(3));
        faults.add(fault(KINDS[r.nextInt(KINDS.length)], hit, start, end));
      }
      List<SupervisorSetup.Hang> hangs = new ArrayList<>();
      for (int k = r.nextInt(4); k > 0; k--) {
        hangs.add(new SupervisorSetup.Hang(r.nextInt(devices), 1 + r.nextInt(3), -1));
      }
      PipelineControl.FaultsByDevice index = new PipelineControl.FaultsByDevice(faults, hangs);
      java.util.Map<Integer, int[]> silenceIndexes = FaultPlan.silencesByDevice(faults);
      for (int d = 0; d < devices; d++) {
        assertEquals(scanSilences(faults, hangs, d), index.silences(d), "device " + d);
        assertEquals(scanSlowdowns(faults, d), index.slowdowns(d), "device " + d);
        assertEquals(
            scanSilenceIndexes(faults, d),
            java.util.Arrays.stream(silenceIndexes.getOrDefault(d, new int[0])).boxed().toList(),
            "device " + d);
      }
    }
  }

  // The scan per device that the index replaces (PipelineControl.role before issue 16's fix).
  private static List<PipelineRole.Window> scanSilences(
      List<Settings.Fault> faults, List<SupervisorSetup.Hang> hangs, int d) {
    List<PipelineRole.Window> out = new ArrayList<>();
    for (SupervisorSetup.Hang h : hangs) {
      if (h.device() == d) {
        out.add(new PipelineRole.Window(h.round(), h.atNs(), -1, -1));
      }
    }
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!f.devices().contains(d)) {
        continue;
      }
      if (f.kind().equals("device-crash") || (f.kind().equals("device-hang") && f.end() != null)) {
        out.add(window(f));
      }
    }
    return out;
  }

  // The scan per device that FaultPlan.silencesByDevice replaces (Supervisor.resume and disarm,
  // PipelineEmulation.heldByAnother): every hang and crash, with or without an end, in list order.
  private static List<Integer> scanSilenceIndexes(List<Settings.Fault> faults, int d) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if ((f.kind().equals("device-crash") || f.kind().equals("device-hang"))
          && f.devices().contains(d)) {
        out.add(i);
      }
    }
    return out;
  }

  private static List<PipelineRole.Slow> scanSlowdowns(List<Settings.Fault> faults, int d) {
    List<PipelineRole.Slow> out = new ArrayList<>();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!f.devices().contains(d)) {
        continue;
      }
      if (f.kind().equals("device-slowdown")) {
        out.add(new PipelineRole.Slow(i, window(f), f.factor()));
      }
    }
    return out;
  }

  private static PipelineRole.Window window(Settings.Fault f) {
    Settings.FaultTime from = f.start();
    Settings.FaultTime until = f.end();
    return new PipelineRole.Window(
        from.atRoundStart() ? from.round() : -1,
        from.atRoundStart() ? -1 : from.atNs(),
        until != null && until.atRoundStart() ? until.round() : -1,
        until != null && !until.atRoundStart() ? until.atNs() : -1);
  }
}
