package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --failover}'s usage errors (one line, exit 2, before any member starts), and its lease
 * names; the failover itself is in {@code ClusterRunTest}.
 */
class FailoverOptionsTest {

  @TempDir Path tmp;

  @Test
  void failoverWithoutClusterOrOut_orWithResume_isOneUsageLine() {
    String scenario = "../scenarios/quickstart.conf";
    String out = tmp.resolve("r").toString();
    for (List<String> args :
        List.of(
            List.of("run", scenario, "--failover", "--out", out),
            List.of("run", scenario, "--failover", "--cluster", "--seed-nodes", "127.0.0.1:1"),
            List.of("run", scenario, "--failover", "--cluster", "--out", out),
            List.of(
                "run",
                scenario,
                "--failover",
                "--cluster",
                "--seed-nodes",
                "127.0.0.1:1",
                "--resume",
                out))) {
      StringWriter err = new StringWriter();
      int code =
          Main.run(
              new PrintWriter(new StringWriter()),
              new PrintWriter(err),
              args.toArray(String[]::new));
      assertEquals(2, code, args + ": " + err);
      String first = err.toString().lines().findFirst().orElse("");
      assertTrue(first.contains("--failover: only with --cluster"), args + ": " + err);
    }
  }

  @Test
  void failoverWithoutCheckpoints_isOneLine_beforeJoiningAnything() {
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(new StringWriter()),
            new PrintWriter(err),
            "run",
            "../scenarios/quickstart.conf",
            "--failover",
            "--cluster",
            "--seed-nodes",
            "127.0.0.1:1",
            "--out",
            tmp.resolve("r").toString());
    assertEquals(1, code, err.toString());
    assertEquals(
        "splitemu: splitemu.checkpoint.every: --failover resumes from the newest checkpoint; give"
            + " checkpoint.every = K > 0 (1: no recorded row is ever redone)",
        err.toString().strip());
  }

  @Test
  void leaseNames_dependOnTheFoldersAbsolutePath_only() {
    Path a = tmp.resolve("a");
    assertEquals(Failover.leaseName(a), Failover.leaseName(a.resolve("x").resolve("..")));
    assertNotEquals(Failover.leaseName(a), Failover.leaseName(tmp.resolve("b")));
    assertTrue(Failover.leaseName(a).matches("run-lease-[0-9a-f]{16}"), Failover.leaseName(a));
  }
}
