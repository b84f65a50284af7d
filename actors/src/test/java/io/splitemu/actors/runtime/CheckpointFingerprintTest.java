package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.splitemu.actors.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a resume must match, and what it may change (docs/runtime.md, "Checkpoints and resume"). */
class CheckpointFingerprintTest {

  @TempDir Path tmp;

  private String fingerprint(String text, String... sets) throws Exception {
    Path scenario = Files.writeString(tmp.resolve("s" + System.nanoTime() + ".conf"), text);
    return Checkpoints.fingerprint(Settings.load(scenario, List.of(sets)));
  }

  @Test
  void commentsAndOperationalKeys_moveNoFingerprint_whatTheRunEmulatesDoes() throws Exception {
    String plain = "splitemu { scheme = psl, rounds = 3, fidelity = timing }\n";
    String commented =
        "# a lab note\nsplitemu {\n  # three rounds are enough here\n  scheme = psl\n"
            + "  rounds = 3\n  fidelity = timing\n}\n";
    String base = fingerprint(plain);
    assertEquals(base, fingerprint(commented));
    assertEquals(
        base,
        fingerprint(
            plain,
            "metrics.port=9999",
            "metrics.enabled=true",
            "cluster-run.load-timeout=30s",
            "barrier.timeout=90s"));
    assertNotEquals(base, fingerprint(plain, "rounds=4"));
    assertNotEquals(base, fingerprint(plain, "barrier.deadline=10s"));
    assertNotEquals(base, fingerprint(plain, "faults=[{kind=device-hang, device=0, round=2}]"));
  }

  /**
   * A profile file the run reads is recorded by its content beside the configuration's fingerprint:
   * an edit leaves the fingerprint as it was and is named by {@link Checkpoints#inputDiffering}; a
   * record of an earlier build (the fingerprint alone) checks no file.
   */
  @Test
  void anEditedProfileFile_keepsTheFingerprint_andIsNamedAsDiffering() throws Exception {
    Path profile = Files.writeString(tmp.resolve("net.dag.json"), "{\"a\": 1}\n");
    Path scenario =
        Files.writeString(
            tmp.resolve("dag.conf"),
            "splitemu { scheme = dag-mincut, fidelity = timing, dag.profile = \""
                + profile
                + "\" }\n");
    Settings s = Settings.load(scenario, List.of());
    String recorded = Checkpoints.recorded(s);
    assertEquals(Checkpoints.fingerprint(s), Checkpoints.configurationOf(recorded));
    assertEquals(null, Checkpoints.inputDiffering(recorded, s));

    Files.writeString(profile, "{\"a\": 2}\n");
    Settings edited = Settings.load(scenario, List.of());
    assertEquals(Checkpoints.fingerprint(s), Checkpoints.fingerprint(edited));
    assertEquals(
        "the profile file " + profile.toAbsolutePath().normalize(),
        Checkpoints.inputDiffering(recorded, edited));
    assertEquals(null, Checkpoints.inputDiffering(Checkpoints.fingerprint(s), edited));
  }
}
