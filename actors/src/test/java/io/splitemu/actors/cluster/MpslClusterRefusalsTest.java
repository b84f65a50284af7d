package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What MP-SL refuses with --cluster, at start and in one line, before any member is asked: its hop
 * crashes, server and supervisor crashes, and --failover (its device and link faults, checkpoints,
 * SIGTERM and --resume run on a cluster, ClusterRunTest). No member JVM starts: the seed named is
 * never reached.
 */
class MpslClusterRefusalsTest {

  @TempDir Path tmp;

  private String refused(String... set) {
    return refused(List.of(), set);
  }

  /** {@link #refused(String...)} with the options {@code more} after the cluster's. */
  private String refused(List<String> more, String... set) {
    List<String> args =
        new ArrayList<>(
            List.of("run", "../scenarios/mpsl-cost-effective.conf", "--set", "devices.count=24"));
    for (String s : set) {
      args.addAll(List.of("--set", s));
    }
    args.addAll(
        List.of(
            "--out",
            tmp.resolve("out").toString(),
            "--cluster",
            "--seed-nodes",
            "127.0.0.1:1",
            "--min-members",
            "3"));
    args.addAll(more);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    assertEquals(1, code, "exit code; " + Arrays.toString(args.toArray()) + ": " + err + out);
    return err.toString().strip();
  }

  @Test
  void hopCrash_refusedByItsEntry_deviceAndLinkFaultsNot() {
    // The device and link faults before it pass (before 2026-12-07 the link-outage was refused).
    assertEquals(
        "splitemu: splitemu.faults[2].kind: hop-crash on mpsl runs in one JVM only for now, not"
            + " with --cluster (the device and link faults do)",
        refused(
            "rounds=2",
            "faults=[{kind=device-hang, devices=[1], round=1},"
                + " {kind=link-outage, device=2, direction=down, round=2, until=60 s},"
                + " {kind=hop-crash, hop=1, round=2}]"));
  }

  /**
   * MP-SL's crashes stay refused on a cluster (the barrier and split families' run there,
   * ClusterRunTest).
   */
  @Test
  void crashes_stayRefused() {
    assertEquals(
        "splitemu: splitemu.faults: server-crash on mpsl restores its checkpoint within the running"
            + " process, which an MP-SL run with --cluster does not do yet",
        refused("rounds=2", "faults=[{kind=server-crash, round=2}]"));
    assertEquals(
        "splitemu: splitemu.faults: supervisor-crash on mpsl restores its checkpoint within the"
            + " running process, which an MP-SL run with --cluster does not do yet",
        refused("rounds=2", "faults=[{kind=supervisor-crash, at=5 s}]"));
  }

  /**
   * MP-SL's checkpoints run on a cluster (ClusterRunTest's mpsl-links case; before 2026-12-07
   * refused here with `MP-SL checkpoints run in one JVM only for now`), but not under --failover: a
   * standby that takes the folder over could race the rename by which MP-SL puts an earlier row in
   * its place in events.csv (ResultsWriter). Before, the same command stood by for the lease and
   * was refused only once it held it.
   */
  @Test
  void failover_refused() {
    assertEquals(
        "splitemu: splitemu.scheme: --failover does not run mpsl yet (MP-SL rewrites events.csv in"
            + " place, which a standby taking the folder over could race); run it with --cluster"
            + " and --resume the folder by hand",
        refused(List.of("--failover"), "checkpoint.every=1"));
  }
}
